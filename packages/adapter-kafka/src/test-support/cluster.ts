import kafkajs from './plain-kafkajs.ts';

/**
 * Other suites share the 3-node cluster and may have a node down for a moment (failover tests):
 * resolves once all three brokers serve, asked with a plain kafkajs admin; fails after 90 s.
 */
export async function allThreeUp(brokers: string[]): Promise<void> {
  const admin = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const started = Date.now();
    while ((await admin.describeCluster()).brokers.length < 3) {
      if (Date.now() - started > 90_000) throw new Error('the cluster did not have 3 brokers within 90 s');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await admin.disconnect();
  }
}
