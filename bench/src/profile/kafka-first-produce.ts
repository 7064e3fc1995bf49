// A Switchyard producer's first burst to a Kafka topic new to it, in one process: per round a fresh
// topic (made beforehand by a raw admin), N publishes at once as the plan scenario makes them, and
// on the wire (kafka-wire-trace.ts) the Metadata and Produce requests naming the topic, in ms after
// the first publish call:
//   KAFKA_WIRE_TRACE=/tmp/wire KAFKA_WIRE_MARK=kfp_ node --conditions=@switchyard/source \
//     --import ./src/profile/kafka-wire-trace.ts src/profile/kafka-first-produce.ts [rounds] [N] [driver]
import { kafka } from '@switchyard/adapter-kafka';
import { createEventBus } from '@switchyard/core';
import { loadBrokerEnv } from '../env.ts';
import { createTopic } from '../subjects/kafka.ts';
import { wireRecords } from './kafka-wire-trace.ts';

const [r = '10', n = '300', driver = 'kafkajs'] = process.argv.slice(2);
const env = loadBrokerEnv();
const stamp = `${process.env.KAFKA_WIRE_MARK ?? 'fe_'}${Date.now().toString(36)}`;
const bus = createEventBus({
  source: 'probe',
  transport: kafka({
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    driver: driver as 'kafkajs',
  }),
});
await bus.connect();
const now = () => performance.timeOrigin + performance.now();
const pad = 'x'.repeat(60);
for (let round = 0; round < Number(r); round++) {
  const topic = `${stamp}_${round}`;
  await createTopic(topic, env, 3);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const t0 = now();
  const publishes: Array<Promise<unknown>> = [];
  for (let i = 0; i < Number(n); i++)
    publishes.push(
      bus.publish(topic, { type: 'bench.event', key: `k${i % 256}`, data: { i, t: now(), pad } }),
    );
  const loop = now() - t0;
  await publishes[0];
  const settled = now() - t0;
  await Promise.all(publishes);
  const at = (x: number | undefined) => (x === undefined ? '-' : (x - t0).toFixed(2));
  const wire = wireRecords()
    .filter((w) => (w.api === 0 || w.api === 3) && w.topics.includes(topic) && w.sent >= t0)
    .map((w) => `${w.api === 0 ? 'Produce' : 'Metadata'} ${at(w.sent)}→${at(w.done)}`);
  console.log(
    `round ${round}: publishing loop ${loop.toFixed(2)} | ${wire.join(' | ')} | first publish settled ${settled.toFixed(2)}`,
  );
}
await bus.close();
const { kafkaModule } = await import('../subjects/kafka.ts');
await kafkaModule.cleanup?.(env, stamp); // only this run's topics
process.exit(0);
