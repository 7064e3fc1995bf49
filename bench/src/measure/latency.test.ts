import { describe, expect, it } from 'vitest';
import { RunContext } from '../context.ts';
import type { Worker } from '../rpc.ts';
import type { Subject } from '../subjects/types.ts';
import { type LatencySpec, measureLatencies } from './latency.ts';

const subjectOf = (id: string) => ({ id, label: `${id} (nats)`, kind: 'switchyard' }) as Subject;

/**
 * A run context whose workers answer from memory and which records, in order, the runs it sends
 * (`send <subject> <rate>`) and what it stops and drops. `failOn`: '<command>' or '<command> <subject>'.
 */
function fakeContext(failOn?: string) {
  const ctx = new RunContext({ quick: true, runs: 2, env: {} });
  const steps: string[] = [];
  const worker = (name: string, id: string) =>
    ({
      name,
      async call(command: string, args: { count?: number; topic?: string }) {
        if (command === failOn || `${command} ${id}` === failOn) throw new Error(`${command} failed`);
        if (command === 'sendAtRate') {
          steps.push(`send ${id} ${args.count}`);
          return { sent: args.count, errors: 0 };
        }
        if (command === 'expect') {
          const latency = { count: args.count, p50Ms: 1, p99Ms: 2, p999Ms: 3, maxMs: 4, meanMs: 1 };
          return { received: args.count, firstAt: 0, lastAt: 1_000, latency };
        }
        return null;
      },
    }) as unknown as Worker;
  Object.assign(ctx, {
    worker: async (name: string, _transport: string, id: string) => worker(name, id),
    stop: async (w: Worker & { name: string }) => {
      steps.push(`stop ${w.name}`);
      return null;
    },
    dropTopic: async (transport: string, topic: string) => {
      steps.push(`drop ${transport} ${topic}`);
    },
    log: () => {},
  });
  return { ctx, steps };
}

const specOf = (id: string): LatencySpec => ({
  family: 'latency',
  transport: 'nats',
  subject: subjectOf(id),
  payloadBytes: 100,
  rates: [
    { rate: 10_000, count: 100 },
    { rate: 1_000, count: 50 },
  ],
  config: {},
});

describe('measureLatencies', () => {
  it("deletes the measurement's topic once its workers are stopped, so the next subject starts on a clean broker", async () => {
    const { ctx, steps } = fakeContext();
    await measureLatencies(ctx, [specOf('switchyard')]);
    expect(steps.filter((s) => !s.startsWith('send'))).toEqual([
      'stop producer',
      'stop consumer',
      expect.stringMatching(/^drop nats bench_lat_switchyard_\w+_1$/),
    ]);
    expect(ctx.rows.map((r) => [r.messages, r.skipped, r.runs])).toEqual([
      [100, undefined, 2],
      [50, undefined, 2],
    ]);
  });

  it('deletes the topic also when a run fails', async () => {
    const { ctx, steps } = fakeContext('sendAtRate');
    await measureLatencies(ctx, [specOf('switchyard')]);
    expect(steps.at(-1)).toMatch(/^drop nats bench_lat_switchyard_\w+_1$/);
    expect(ctx.rows.every((r) => r.skipped?.startsWith('failed'))).toBe(true);
  });

  it("interleaves the subjects' runs at each rate, one subject later each round, so load from elsewhere hits them alike", async () => {
    const { ctx, steps } = fakeContext();
    await measureLatencies(ctx, [specOf('a'), specOf('b'), specOf('c')], (rate) => (rate === 10_000 ? 3 : 1));
    expect(steps.filter((s) => s.startsWith('send'))).toEqual([
      // warm-up of each (1,000/s, 300 events in a quick run), then 10,000/s × 3 runs, 1,000/s × 1
      'send a 300',
      'send b 300',
      'send c 300',
      ...['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b'].map((id) => `send ${id} 100`),
      ...['a', 'b', 'c'].map((id) => `send ${id} 50`),
    ]);
    expect(ctx.rows.map((r) => [r.subjectId, r.messages, r.runs])).toEqual([
      ['a', 100, 3],
      ['a', 50, 1],
      ['b', 100, 3],
      ['b', 50, 1],
      ['c', 100, 3],
      ['c', 50, 1],
    ]);
  });

  it("a subject that fails is stopped and its rows skipped with the reason; the others' runs go on", async () => {
    const { ctx, steps } = fakeContext('expect b');
    await measureLatencies(ctx, [specOf('a'), specOf('b')]);
    expect(steps.filter((s) => s.startsWith('send') && !s.endsWith(' 300'))).toEqual([
      'send a 100',
      'send a 100',
      'send a 50',
      'send a 50',
    ]);
    expect(ctx.rows.map((r) => [r.subjectId, r.messages, r.skipped ?? 'measured'])).toEqual([
      ['b', 100, 'failed: expect failed'],
      ['b', 50, 'failed: expect failed'],
      ['a', 100, 'measured'],
      ['a', 50, 'measured'],
    ]);
  });
});
