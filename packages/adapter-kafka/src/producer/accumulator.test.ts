import type { SendOutcome } from '@switchyard/core/transport';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Accumulator,
  type AccumulatorConfig,
  type PartitionBatch,
  type PendingRecord,
} from './accumulator.ts';

interface Request {
  readonly leader: number;
  readonly batches: readonly PartitionBatch[];
  readonly done: () => void;
}

function harness(config: Partial<AccumulatorConfig> = {}) {
  const requests: Request[] = [];
  const closed: string[] = [];
  const acc = new Accumulator(
    { lingerMs: 0, batchMaxMessages: 1000, batchMaxBytes: 1_000_000, maxInFlightPerLeader: 1, ...config },
    (leader, batches) =>
      new Promise<void>((resolve) => {
        requests.push({
          leader,
          batches,
          done: () => {
            for (const b of batches)
              for (const r of b.records) r.settle({ ok: true, receipt: { partition: b.partition } });
            resolve();
          },
        });
      }),
    (topic, partition) => closed.push(`${topic}/${partition}`),
  );
  const settled: string[] = [];
  const record = (name: string, bytes = 10): PendingRecord => ({
    record: { partition: 0, key: null, value: Buffer.from(name), headers: {} },
    bytes,
    settle: (_o: SendOutcome) => settled.push(name),
    written: () => settled.push(name),
  });
  const names = (r: Request) =>
    r.batches.map(
      (b) => `${b.topic}/${b.partition}:${b.records.map((x) => x.record.value.toString()).join(',')}`,
    );
  return { acc, requests, closed, settled, record, names };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('Accumulator', () => {
  it('sends at once when idle and batches what arrives while a request is in flight', async () => {
    const { acc, requests, record, names } = harness();
    acc.append('t', 0, 1, record('a'));
    await tick();
    expect(requests).toHaveLength(1);
    for (const n of ['b', 'c', 'd']) acc.append('t', 0, 1, record(n));
    await tick();
    expect(requests).toHaveLength(1); // one batch per partition in flight
    requests[0]!.done();
    await tick();
    expect(requests.map(names)).toEqual([['t/0:a'], ['t/0:b,c,d']]);
  });

  it('coalesces every append of one tick into one request per broker, across partitions', async () => {
    const { acc, requests, record, names } = harness();
    acc.append('t', 0, 1, record('a'));
    acc.append('t', 1, 1, record('b'));
    acc.append('u', 0, 2, record('c'));
    await tick();
    expect(requests.map((r) => r.leader).sort()).toEqual([1, 2]);
    expect(requests.find((r) => r.leader === 1)!.batches).toHaveLength(2);
    expect(requests.flatMap(names).sort()).toEqual(['t/0:a', 't/1:b', 'u/0:c']);
  });

  it('waits out the linger time when idle, unless the batch fills first', async () => {
    vi.useFakeTimers();
    const { acc, requests, record } = harness({ lingerMs: 50, batchMaxMessages: 3 });
    acc.append('t', 0, 1, record('a'));
    await vi.advanceTimersByTimeAsync(10);
    expect(requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(45);
    expect(requests).toHaveLength(1);
    requests[0]!.done();
    for (const n of ['b', 'c', 'd']) acc.append('t', 0, 1, record(n));
    await vi.advanceTimersByTimeAsync(1);
    expect(requests).toHaveLength(2); // full at 3
  });

  it('closes a batch at the byte limit and sends a single oversize record alone', async () => {
    const { acc, requests, record, names } = harness({ batchMaxBytes: 25 });
    acc.append('t', 0, 1, record('a'));
    await tick();
    acc.append('t', 0, 1, record('b', 10));
    acc.append('t', 0, 1, record('c', 10));
    acc.append('t', 0, 1, record('d', 10));
    acc.append('t', 0, 1, record('huge', 100));
    requests[0]!.done();
    await tick();
    expect(names(requests[1]!)).toEqual(['t/0:b,c']);
    requests[1]!.done();
    await tick();
    expect(names(requests[2]!)).toEqual(['t/0:d']);
    requests[2]!.done();
    await tick();
    expect(names(requests[3]!)).toEqual(['t/0:huge']);
  });

  it('keeps a partition in publish order across many requests', async () => {
    const { acc, requests, record, settled } = harness({ batchMaxMessages: 7 });
    const expected: string[] = [];
    for (let i = 0; i < 100; i++) {
      expected.push(String(i));
      acc.append('t', 0, 1, record(String(i)));
      if (i % 13 === 0) await tick();
    }
    while (settled.length < 100) {
      await tick();
      requests.at(-1)?.done();
    }
    expect(settled).toEqual(expected);
  });

  it('flush sends lingering batches now and resolves when all settled', async () => {
    const { acc, requests, record, settled } = harness({ lingerMs: 60_000 });
    acc.append('t', 0, 1, record('a'));
    acc.append('t', 1, 1, record('b'));
    const flushed = acc.flush();
    await tick();
    expect(requests).toHaveLength(1);
    requests[0]!.done();
    await flushed;
    expect(settled.sort()).toEqual(['a', 'b']);
    expect(acc.inFlightRequests).toBe(0);
  });

  it('tells the partitioner when a partition’s batch leaves (for sticky keyless partitioning)', async () => {
    const { acc, closed, record } = harness();
    acc.append('t', 3, 1, record('a'));
    await tick();
    expect(closed).toEqual(['t/3']);
  });

  it('allows more requests per broker only up to maxInFlightPerLeader', async () => {
    const { acc, requests, record } = harness({ maxInFlightPerLeader: 2 });
    acc.append('t', 0, 1, record('a'));
    await tick();
    acc.append('t', 1, 1, record('b'));
    await tick();
    acc.append('t', 2, 1, record('c'));
    await tick();
    expect(requests).toHaveLength(2);
    requests[0]!.done();
    await tick();
    expect(requests).toHaveLength(3);
  });

  it('gives back what waits behind a batch in flight, in order, and then sends nothing of it', async () => {
    const { acc, requests, record, names } = harness();
    acc.append('t', 0, 1, record('a'));
    await tick();
    acc.append('t', 0, 1, record('b'));
    acc.append('t', 0, 1, record('c'));
    acc.append('t', 1, 1, record('d'));
    const taken = acc.takeQueued('t', 0);
    expect(taken.map((r) => r.record.value.toString())).toEqual(['b', 'c']);
    expect(acc.takeQueued('t', 5)).toEqual([]);
    requests[0]!.done();
    await tick();
    expect(requests.slice(1).map(names)).toEqual([['t/1:d']]);
  });
});
