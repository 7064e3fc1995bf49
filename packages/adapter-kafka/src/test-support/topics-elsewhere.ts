import kafkajs from './plain-kafkajs.ts';

/** Runs `work` with an admin client of its own: the platform team's tooling, or another service. */
async function withAdmin(brokers: readonly string[], work: (admin: kafkajs.Admin) => Promise<unknown>) {
  const admin = new kafkajs.Kafka({ brokers: [...brokers], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates topics (3 partitions) outside the code under test, as a deploy step would, and waits for their leaders. */
export function createTopicsElsewhere(brokers: readonly string[], topics: readonly string[]): Promise<void> {
  return withAdmin(brokers, async (admin) => {
    await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
      // kafkajs' own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers until
      // its metadata image has caught up with the controller: poll for the leaders here instead.
      waitForLeaders: false,
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] }).catch(() => undefined);
      if (metadata?.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)))
        break;
      if (Date.now() > deadline) throw new Error(`no leaders for ${topics.join(', ')} after 20 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
}

/** Deletes topics outside the code under test: an operator retiring one, or a test's cleanup. */
export function deleteTopicsElsewhere(brokers: readonly string[], topics: readonly string[]): Promise<void> {
  return withAdmin(brokers, (admin) => admin.deleteTopics({ topics: [...topics], timeout: 30_000 }));
}
