import { EventEmitter } from 'node:events';
import { MultipleErrors, ProtocolError } from '@platformatic/kafka';
import { EventBusError } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { isRebalanceRefusal } from '../../errors.ts';
import { resolveKafkaOptions } from '../../options/resolve.ts';
import type { DriverBatch, DriverConsumerHandlers } from '../driver.ts';
import { baseClientOptions } from './platformatic-client-options.ts';
import {
  PlatformaticConsumer,
  type PlatformaticConsumerClient,
  type PlatformaticConsumerFactories,
} from './platformatic-consumer.ts';

// The driver's own logic around the client: a fake client stands in for @platformatic/kafka's
// Consumer (what the client does against a broker is covered by the integration suites).

const TOPIC = 'orders';

/** What the consumer uses of the client; each call is recorded, failures are scripted. */
class FakeClient extends EventEmitter {
  assignments: Array<{ topic: string; partitions: number[] }> | null = null;
  readonly topics = new Set<string>() as Set<string> & { track(topic: string): boolean };
  readonly calls: Array<{ name: string; at: number; args?: unknown }> = [];
  metadataFailures = 0;
  committedFailures = 0;
  onCommit: ((offsets: unknown[]) => Promise<void>) | undefined;
  closeFails = false;
  closed = false;

  constructor() {
    super();
    this.topics.track = (topic) => {
      this.topics.add(topic);
      return true;
    };
  }

  #call(name: string, args?: unknown): void {
    this.calls.push({ name, at: Date.now(), args });
  }

  count(name: string): number {
    return this.calls.filter((c) => c.name === name).length;
  }

  async joinGroup(): Promise<string> {
    this.#call('joinGroup');
    this.assignments = [{ topic: TOPIC, partitions: [0, 1] }];
    return 'member-1';
  }

  async metadata(): Promise<unknown> {
    this.#call('metadata');
    if (this.metadataFailures > 0) {
      this.metadataFailures--;
      throw new Error('metadata failed');
    }
    const partitions = [0, 1, 2, 3].map(() => ({ leader: 1, replicas: [1] }));
    return {
      topics: new Map([[TOPIC, { id: 'topic-id', partitions, partitionsCount: 4 }]]),
      brokers: new Map(),
    };
  }

  async listCommittedOffsets(): Promise<Map<string, bigint[]>> {
    this.#call('listCommittedOffsets');
    if (this.committedFailures > 0) {
      this.committedFailures--;
      throw new Error('coordinator not available');
    }
    return new Map([[TOPIC, [5n, 5n, 5n, 5n]]]);
  }

  async listOffsets(): Promise<Map<string, bigint[]>> {
    return new Map([[TOPIC, [0n, 0n, 0n, 0n]]]);
  }

  /** No Fetch version the driver writes itself: the loop calls `fetch` (platformatic-fetch.test.ts covers its own requests). */
  async listApis(): Promise<unknown[]> {
    return [];
  }

  async fetch(options: { topics: Array<{ partitions: Array<{ partition: number }> }> }): Promise<unknown> {
    this.#call(
      'fetch',
      options.topics.flatMap((t) => t.partitions.map((p) => p.partition)),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { responses: [] };
  }

  async commit(options: { offsets: unknown[] }): Promise<void> {
    this.#call('commit', [...options.offsets]);
    await this.onCommit?.(options.offsets);
  }

  async close(): Promise<void> {
    this.#call('close');
    if (this.closeFails) throw new Error('leave failed');
    this.closed = true;
  }
}

function setup(options: { groupProtocol?: 'classic' | 'consumer' } = {}) {
  const resolved = resolveKafkaOptions({
    brokers: ['127.0.0.1:1'],
    driver: 'platformatic',
    ...options,
    retry: { initialRetryTimeMs: 20, maxRetryTimeMs: 80 },
    consumer: { sessionTimeoutMs: 6000, rebalanceTimeoutMs: 6000, heartbeatIntervalMs: 1000 },
  });
  const client = new FakeClient();
  const pools: Array<{ closed: boolean }> = [];
  const factories: PlatformaticConsumerFactories = {
    client: () => client as unknown as PlatformaticConsumerClient,
    fetchPool: () => {
      const pool = {
        closed: false,
        close: async () => {
          pool.closed = true;
        },
      };
      pools.push(pool);
      return pool as never;
    },
  };
  const logs: string[] = [];
  const consumer = new PlatformaticConsumer(
    resolved,
    baseClientOptions(resolved),
    'billing',
    (_level, message) => logs.push(message),
    factories,
  );
  const seen = {
    assigned: [] as Array<ReadonlyMap<string, readonly number[]>>,
    crashes: [] as unknown[],
    rebalances: 0,
  };
  const handlers: DriverConsumerHandlers = {
    onBatch: (_batch: DriverBatch) => 0,
    onAssigned: (assignment) => seen.assigned.push(assignment),
    onRebalancing: async () => {
      seen.rebalances++;
    },
    onCrash: (error) => seen.crashes.push(error),
  };
  return { consumer, client, handlers, seen, logs, pools };
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function running(options: { groupProtocol?: 'classic' | 'consumer' } = {}) {
  const s = setup(options);
  cleanups.push(() => s.consumer.disconnect());
  await s.consumer.subscribe([TOPIC], false);
  await s.consumer.run(s.handlers);
  return s;
}

describe('platformatic consumer (driver logic, fake client)', () => {
  it('keeps fetching after metadata fails, backing off from initialRetryTimeMs to maxRetryTimeMs', async () => {
    const s = setup();
    cleanups.push(() => s.consumer.disconnect());
    s.client.metadataFailures = 4;
    await s.consumer.subscribe([TOPIC], false);
    await s.consumer.run(s.handlers);
    // No fetch is in flight while metadata fails: only the back-off timer wakes the loop.
    await waitFor(() => s.client.count('fetch') > 0);
    const metadata = s.client.calls.filter((c) => c.name === 'metadata').slice(0, 5);
    const gaps = metadata.slice(1).map((c, i) => c.at - metadata[i]!.at);
    expect(gaps).toHaveLength(4);
    // 20, 40, 80, 80 ms (timers fire late on a busy machine, never early)
    for (const [i, minimum] of [20, 40, 80, 80].entries())
      expect(gaps[i]).toBeGreaterThanOrEqual(minimum - 2);
    expect(gaps[3]).toBeLessThan(400);
    expect(s.logs.some((line) => /reading metadata .* failed, trying again in 20 ms/.test(line))).toBe(true);
  });

  it('ends the consumer (onCrash) when the client fails to rejoin', async () => {
    const s = await running();
    const error = new Error('joinGroup failed 6 times.');
    s.client.emit('error', error);
    expect(s.seen.crashes).toEqual([error]);
    // a second report of the same loss is not a second crash
    s.client.emit('consumer:heartbeat:stalled', { lastError: error, stalledFor: 100 });
    expect(s.seen.crashes).toHaveLength(1);
    await expect(s.consumer.commit([{ topic: TOPIC, partition: 0, offset: '6' }])).rejects.toMatchObject({
      type: 'UNKNOWN_MEMBER_ID',
    });
  });

  it('ends the consumer (onCrash) when heartbeats stall', async () => {
    const s = await running();
    const lastError = new Error('coordinator unreachable');
    s.client.emit('consumer:heartbeat:stalled', { lastError, stalledFor: 6000 });
    expect(s.seen.crashes).toEqual([lastError]);
    const fetches = s.client.count('fetch');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(s.client.count('fetch')).toBeLessThanOrEqual(fetches + 1); // at most the one in flight
  });

  it('rejects run() when the client crashes before the first assignment', async () => {
    const s = setup();
    cleanups.push(() => s.consumer.disconnect());
    s.client.joinGroup = async () => {
      setTimeout(() => s.client.emit('error', new Error('rejoin failed')), 10);
      return 'member-1'; // no assignment ever comes
    };
    await s.consumer.subscribe([TOPIC], false);
    await expect(s.consumer.run(s.handlers)).rejects.toThrow('rejoin failed');
    expect(s.seen.crashes).toEqual([]);
  });

  it('rejects run() with TIMEOUT when no assignment comes within the rebalance and session timeouts', async () => {
    const s = setup();
    cleanups.push(() => s.consumer.disconnect());
    s.client.joinGroup = async () => 'member-1';
    const resolved = resolveKafkaOptions({
      brokers: ['127.0.0.1:1'],
      driver: 'platformatic',
      consumer: { sessionTimeoutMs: 100, rebalanceTimeoutMs: 100, heartbeatIntervalMs: 30 },
    });
    const consumer = new PlatformaticConsumer(resolved, baseClientOptions(resolved), 'billing', () => {}, {
      client: () => s.client as unknown as PlatformaticConsumerClient,
      fetchPool: () => ({ close: async () => {} }) as never,
    });
    cleanups.push(() => consumer.disconnect());
    await consumer.subscribe([TOPIC], false);
    const error = await consumer.run(s.handlers).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventBusError);
    expect(error).toMatchObject({ code: 'TIMEOUT', retriable: true });
  });

  it('retries a failed start-offset lookup after a rebalance and never fetches the old assignment meanwhile', async () => {
    const s = await running();
    expect(s.seen.assigned).toHaveLength(1);
    await waitFor(() => s.client.count('fetch') > 0);
    s.client.committedFailures = 2;
    const mark = s.client.calls.length;
    s.client.emit('consumer:group:rebalance', { groupId: 'billing' });
    s.client.assignments = [{ topic: TOPIC, partitions: [2, 3] }];
    s.client.emit('consumer:group:join', {});
    await waitFor(() => s.seen.assigned.length === 2);
    expect([...s.seen.assigned[1]!]).toEqual([[TOPIC, [2, 3]]]);
    // after the new assignment was seen, fetches name only its partitions
    const lastLookup = s.client.calls.map((c) => c.name).lastIndexOf('listCommittedOffsets');
    const between = s.client.calls.slice(mark, lastLookup).filter((c) => c.name === 'fetch');
    expect(between).toEqual([]);
    await waitFor(() => s.client.calls.some((c) => c.name === 'fetch' && (c.args as number[]).includes(2)));
    expect(s.client.calls.filter((c) => c.name === 'listCommittedOffsets')).toHaveLength(4);
  });

  it('sends the commit the member makes as a rebalance starts before the event returns (ahead of the JoinGroup)', async () => {
    const s = setup();
    cleanups.push(() => s.consumer.disconnect());
    await s.consumer.subscribe([TOPIC], false);
    let atRebalance: Promise<void> | undefined;
    await s.consumer.run({
      ...s.handlers,
      onRebalancing: async () => {
        atRebalance = s.consumer.commit([{ topic: TOPIC, partition: 0, offset: '5' }]);
      },
    });
    s.client.emit('consumer:group:rebalance', { groupId: 'billing' });
    // The client sends its JoinGroup right after emitting: the commit is on its way already.
    expect(s.client.count('commit')).toBe(1);
    await atRebalance;
    // The client reports the rebalance again while it retries the join: no second commit then.
    s.client.emit('consumer:group:rebalance', { groupId: 'billing' });
    expect(s.client.count('commit')).toBe(1);
  });

  it('refuses commits from a rebalance until the next assignment, as a rebalance refusal', async () => {
    const s = await running();
    s.client.emit('consumer:group:rebalance', { groupId: 'billing' });
    expect(s.seen.rebalances).toBe(1);
    const refused = await s.consumer
      .commit([{ topic: TOPIC, partition: 0, offset: '6' }])
      .catch((e: unknown) => e);
    expect(isRebalanceRefusal(refused)).toBe(true);
    expect(s.client.count('commit')).toBe(0);
    s.client.assignments = [{ topic: TOPIC, partitions: [0] }];
    s.client.emit('consumer:group:join', {});
    await waitFor(() => s.seen.assigned.length === 2);
    await s.consumer.commit([{ topic: TOPIC, partition: 0, offset: '6' }]);
    expect(s.client.count('commit')).toBe(1);
  });

  it('commits nothing of the old generation when the client rejoins under a commit', async () => {
    const s = await running();
    let offsetsAfterRejoin: unknown[] | undefined;
    // What the client does on ILLEGAL_GENERATION: rejoin, then commit the same offsets object again.
    s.client.onCommit = async (offsets) => {
      s.client.assignments = [{ topic: TOPIC, partitions: [1] }];
      s.client.emit('consumer:group:join', {});
      offsetsAfterRejoin = [...offsets];
    };
    const error = await s.consumer
      .commit([
        { topic: TOPIC, partition: 0, offset: '6' },
        { topic: TOPIC, partition: 1, offset: '7' },
      ])
      .catch((e: unknown) => e);
    expect(offsetsAfterRejoin).toEqual([]);
    expect(isRebalanceRefusal(error)).toBe(true);
  });

  it('fetches on a connection pool of its own and closes it, even when leaving the group fails', async () => {
    const s = await running();
    expect(s.pools).toHaveLength(1);
    s.client.closeFails = true;
    await s.consumer.stop();
    expect(s.logs.some((line) => /could not leave the group: leave failed/.test(line))).toBe(true);
    expect(s.pools[0]!.closed).toBe(true);
  });

  it('closes the client and its fetch connections on stop', async () => {
    const s = await running();
    await s.consumer.stop();
    expect(s.pools[0]!.closed).toBe(true);
    expect(s.client.closed).toBe(true);
  });
});

describe('isRebalanceRefusal', () => {
  it('knows the rebalance refusals of @platformatic/kafka under its wrappers', () => {
    for (const apiId of [
      'REBALANCE_IN_PROGRESS',
      'ILLEGAL_GENERATION',
      'UNKNOWN_MEMBER_ID',
      'NOT_COORDINATOR',
      'COORDINATOR_NOT_AVAILABLE',
      'STALE_MEMBER_EPOCH',
    ]) {
      const wrapped = new MultipleErrors('Commit failed.', [new ProtocolError(apiId)]);
      expect(isRebalanceRefusal(wrapped), apiId).toBe(true);
    }
    expect(isRebalanceRefusal(new ProtocolError('OFFSET_METADATA_TOO_LARGE'))).toBe(false);
    expect(isRebalanceRefusal(new Error('boom'))).toBe(false);
  });
});
