import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TransportCapabilities } from '@switchyard/core';
import { requireBroker } from '@switchyard/infra/env';
import { type FaultCase, type FaultHarness, faultTest, SteadyPublisher } from '@switchyard/testkit';
import { beforeAll, describe } from 'vitest';
import { allThreeUp } from '../src/test-support/cluster.ts';
import { KAFKA_DRIVERS } from '../src/test-support/fixture.ts';

/**
 * The Kafka 3-node certification, after Dapr's: a service publishes a keyed stream with acks all
 * (`preset: 'durable'`) to a topic replicated on all three nodes while a group consumes it, and the
 * nodes go down one by one — one down (a controlled shutdown), quorum lost (a second one killed),
 * all down for 30 s (the third killed) — then all start again. Every acknowledged event must be
 * handled, in key order (redeliveries of events already seen aside); publishes that fail meanwhile
 * must reject with a retriable error. It runs on the shared cluster through infra/kafka-cluster,
 * which makes every other failover test wait while nodes are down, and leaves all 3 up. It runs
 * once per driver, one after the other: each meets the outage with its own client's reconnects,
 * metadata refreshes and idempotent producer.
 */
const BROKERS = requireBroker('KAFKA_CLUSTER_BROKERS', 'kafka-cluster');
const CLUSTER = fileURLToPath(new URL('../../../infra/kafka-cluster', import.meta.url));
const run = promisify(execFile);

const HOLD_ONE_DOWN_MS = 10_000;
const HOLD_QUORUM_LOST_MS = 10_000;
const HOLD_ALL_DOWN_MS = 30_000;

const cluster = (...args: string[]) => run(CLUSTER, args, { timeout: 240_000 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one step of the outage, noting when it happened relative to the fault's start. */
async function step(h: FaultHarness, t0: number, what: string, action: () => Promise<unknown>) {
  await action();
  h.notes.push(
    `${((performance.now() - t0) / 1000).toFixed(1)} s: ${what} (acked ${h.tally.acked.size}, failed ${h.tally.failed})`,
  );
}

const certification: FaultCase = {
  scenario: 'cluster-certification',
  title:
    'loses no acknowledged event and keeps key order while the nodes go down one by one, quorum is lost and all are down for 30 s',
  needs: {},
  async run(h) {
    await allThreeUp(BROKERS!.split(','));
    const topic = h.topic();
    const producer = await h.bus();
    await producer.ensureTopic({ name: topic, partitions: 3, replicationFactor: 3 });
    await h.consumeHere(await h.bus(), topic);
    const publisher = new SteadyPublisher(producer, topic, h.keys, h.tally);
    publisher.start();
    await h.until('events flowing before the outage', () => h.tally.received >= 1_000, 30_000);

    h.notes.push(`cluster ${BROKERS} (${process.env.INFRA_STATE_DIR ?? 'infra/.state'})`);
    const t0 = performance.now();
    let restarted = false;
    try {
      await step(h, t0, 'node 1 stopped (controlled shutdown): one down', () => cluster('stop', '1'));
      await sleep(HOLD_ONE_DOWN_MS);
      await step(h, t0, 'node 2 killed: quorum lost', () => cluster('kill', '2', '--quorum-loss'));
      await sleep(HOLD_QUORUM_LOST_MS);
      await step(h, t0, 'node 3 killed: all down', () => cluster('kill', '3', '--quorum-loss'));
      await sleep(HOLD_ALL_DOWN_MS);
      await step(h, t0, 'all 3 started again and in sync', () => cluster('start', '1'));
      restarted = true;
    } finally {
      if (!restarted) await cluster('start', '1'); // never leave the shared cluster down
    }
    const faultSeconds = (performance.now() - t0) / 1000;
    const ackedAtRestart = h.tally.acked.size;
    const handledAtRestart = h.tally.received;
    await h.until(
      'publishing and consuming to resume after the restart',
      () => h.tally.acked.size >= ackedAtRestart + 1_000 && h.tally.received >= handledAtRestart + 1_000,
      90_000,
    );
    h.notes.push(`${((performance.now() - t0) / 1000).toFixed(1)} s: flowing again`);
    await sleep(2_000);
    return h.finish(topic, () => publisher.stop(60_000), { faultSeconds, orderPromised: true });
  },
};

for (const driver of KAFKA_DRIVERS) {
  describe.skipIf(BROKERS === undefined)(`kafka 3-node certification (${driver} driver)`, () => {
    let capabilities: TransportCapabilities | undefined;
    const env = { KAFKA_BROKERS: BROKERS, SWITCHYARD_KAFKA_DRIVER: driver };
    const options = {
      name: `kafka (3-node cluster, durable${driver === 'kafkajs' ? '' : `, ${driver} driver`})`,
      adapter: new URL('../src/index.ts', import.meta.url),
      transportEnv: () => ({ ...env, SWITCHYARD_KAFKA_PRESET: 'durable' }),
    };
    beforeAll(async () => {
      const { transportFromEnv } = await import('../src/index.ts');
      capabilities = transportFromEnv(env).capabilities;
    });
    faultTest(options, certification, () => ({ broker: undefined, capabilities: capabilities! }), 420_000);
  });
}
