// For latency-split.ts on Kafka: a topic whose records carry the broker's append time
// (`message.timestamp.type=LogAppendTime`, ms resolution), and those times read back per event.
import { patchKafkajs } from '@switchyard/adapter-kafka';
import kafkajs from 'kafkajs';

/** The probe parent's own client (the subjects run in workers), with the adapter's kafkajs fixes. */
const kafkaClient = (env: Record<string, string>) => {
  patchKafkajs();
  return new kafkajs.Kafka({
    clientId: 'latency-split',
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: kafkajs.logLevel.NOTHING,
  });
};

/** Creates `topic` stamped by the broker; the bench's own `prepareTopic` then finds it there. */
export async function createAppendTimeTopic(
  env: Record<string, string>,
  topic: string,
  partitions: number,
): Promise<void> {
  const admin = kafkaClient(env).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: 1,
          configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
        },
      ],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** The broker's append time (ms, wall clock) of each event of a phase, by its index. */
export async function appendTimes(
  env: Record<string, string>,
  topic: string,
  phase: number,
  count: number,
): Promise<Map<number, number>> {
  const times = new Map<number, number>();
  const consumer = kafkaClient(env).consumer({ groupId: `split-${topic}-${phase}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        // The event's place, wherever the subject's encoding puts it (src/payload.ts).
        const found = /"p":(-?\d+),"i":(\d+)/.exec(m.value?.toString('latin1') ?? '');
        if (found !== null && Number(found[1]) === phase) times.set(Number(found[2]), Number(m.timestamp));
      }
      if (times.size >= count) done();
    },
  });
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  await consumer.disconnect();
  return times;
}
