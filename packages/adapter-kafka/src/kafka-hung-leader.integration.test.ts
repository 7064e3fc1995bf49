import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createEventBus } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { kafka } from './kafka.ts';
import { DEPLOYMENT_PROFILES } from './options/presets.ts';
import { requireBroker } from './test-support/brokers.ts';
import { allThreeUp } from './test-support/cluster.ts';
import { KAFKA_DRIVERS, sleep, waitFor } from './test-support/fixture.ts';
import kafkajs from './test-support/plain-kafkajs.ts';

const run = promisify(execFile);
const BROKERS = requireBroker('KAFKA_CLUSTER_BROKERS', 'kafka-cluster');
const CLUSTER_SCRIPT = join(import.meta.dirname, '../../../infra/kafka-cluster');
/** How long the leader stays frozen: longer than the bound, so a stall that is not bounded shows. */
const HUNG_MS = Number(process.env.HUNG_LEADER_MS ?? 30_000);
/** The cluster's fencing time (broker.session.timeout.ms in infra/), plus the retry's backoff and slack. */
const FENCING_MS = 6_000;
const SLACK_MS = 3_000;

/** Leaders by partition, asked with a plain kafkajs admin (not the code under test), once all have one. */
async function leaders(brokers: string[], topic: string): Promise<Map<number, number>> {
  const admin = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const started = Date.now(); Date.now() - started < 30_000; await sleep(200)) {
      const found = await admin
        .fetchTopicMetadata({ topics: [topic] })
        .then(({ topics }) => topics[0]?.partitions ?? [])
        .catch(() => []);
      if (found.length > 0 && found.every((p) => p.leader >= 0))
        return new Map(found.map((p) => [p.partitionId, p.leader]));
    }
    throw new Error(`${topic} has no leader for every partition within 30 s`);
  } finally {
    await admin.disconnect();
  }
}

/** The longest time between consecutive instants (and from the first/last to the window's edges). */
function longestGap(times: readonly number[], from: number, to: number): number {
  const sorted = [...times.filter((t) => t >= from && t <= to)].sort((a, b) => a - b);
  let previous = from;
  let longest = 0;
  for (const t of [...sorted, to]) {
    longest = Math.max(longest, t - previous);
    previous = t;
  }
  return longest;
}

for (const driver of KAFKA_DRIVERS) {
  describe.skipIf(BROKERS === undefined)(`a hung leader on the three-node cluster (${driver} driver)`, () => {
    const brokers = (BROKERS ?? '').split(',');
    let victim: number | undefined;
    afterEach(async () => {
      if (victim !== undefined) await run(CLUSTER_SCRIPT, ['resume', String(victim)]);
      victim = undefined;
    });

    it('stalls publishing for at most about a request timeout plus the fencing time, and loses nothing', async () => {
      await allThreeUp(brokers);
      // One service as users write it: default options but the driver (durable, local profile), one
      // bus, keyed events.
      const bus = createEventBus({
        source: 'orders-svc',
        transport: kafka({ brokers, driver }),
        onError: () => {},
      });
      const topic = `test.kafka.hung.${driver}.${Date.now()}`;
      try {
        await bus.ensureTopic({
          name: topic,
          partitions: 6,
          replicationFactor: 3,
          strategy: 'create-or-update',
        });
        const leaderOf = await leaders(brokers, topic);
        const hungPartitions = new Set(
          [...leaderOf].filter(([, l]) => l === leaderOf.get(0)).map(([p]) => p),
        );
        const resolved: Array<{ at: number; partition: number; id: string; tookMs: number }> = [];
        const failed: string[] = [];
        let stop = false;
        let n = 0;
        // 200 publishes in flight, each awaited: the "fire many, await each" shape.
        const worker = async () => {
          while (!stop) {
            const i = n++;
            const started = Date.now();
            try {
              const receipt = await bus.publish(topic, {
                type: 'order.placed',
                data: { i },
                key: `order-${i % 500}`,
              });
              resolved.push({
                at: Date.now(),
                partition: receipt.partition!,
                id: receipt.id,
                tookMs: Date.now() - started,
              });
            } catch (error) {
              failed.push((error as Error).message);
              await sleep(100); // as a caller would before trying again
            }
          }
        };
        const workers = Array.from({ length: 200 }, worker);
        await sleep(3_000);
        victim = leaderOf.get(0)!;
        await run(CLUSTER_SCRIPT, ['pause', String(victim)]);
        const pausedAt = Date.now();
        await sleep(HUNG_MS);
        const window = Date.now();
        stop = true;
        await run(CLUSTER_SCRIPT, ['resume', String(victim)]);
        victim = undefined;
        await Promise.all(workers);

        const stall = longestGap(
          resolved.map((r) => r.at),
          pausedAt,
          window,
        );
        const othersStall = longestGap(
          resolved.filter((r) => !hungPartitions.has(r.partition)).map((r) => r.at),
          pausedAt,
          window,
        );
        const longestPublish = resolved.reduce((longest, r) => Math.max(longest, r.tookMs), 0);
        console.info(
          `[hung leader, ${driver}] node ${leaderOf.get(0)} paused ${HUNG_MS} ms: longest stall ${stall} ms (other leaders' partitions ${othersStall} ms), longest publish ${longestPublish} ms, ${resolved.length} acked, ${failed.length} failed`,
        );
        const bound = DEPLOYMENT_PROFILES.local.requestTimeoutMs + FENCING_MS + SLACK_MS;
        expect(stall).toBeLessThan(bound);
        expect(othersStall).toBeLessThan(bound);
        expect(longestPublish).toBeLessThan(bound);
        expect(failed).toEqual([]);

        // Every acknowledged event is in the topic, once: the retry to the new leader kept the
        // producer id and sequence numbers, so a batch the hung leader had replicated is not doubled.
        const seen = new Map<string, number>();
        await bus.subscribe(topic, (event) => void seen.set(event.id, (seen.get(event.id) ?? 0) + 1), {
          group: 'verify',
          startFrom: 'earliest',
        });
        await waitFor('every acknowledged event', () => resolved.every((r) => seen.has(r.id)), 120_000);
        await sleep(1_000); // anything else still in the log arrives too
        expect([...seen].filter(([, count]) => count > 1)).toEqual([]);
      } finally {
        await bus.close();
      }
    }, 300_000);
  });
}
