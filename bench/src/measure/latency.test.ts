import { describe, expect, it } from 'vitest';
import { RunContext } from '../context.ts';
import type { Worker } from '../rpc.ts';
import type { Subject } from '../subjects/types.ts';
import { measureLatency } from './latency.ts';

const subject = { id: 'switchyard', label: 'Switchyard (nats)', kind: 'switchyard' } as Subject;

/** A run context whose workers answer from memory and which records what it stops and drops, in order. */
function fakeContext(failOn?: string) {
  const ctx = new RunContext({ quick: true, runs: 2, env: {} });
  const steps: string[] = [];
  const worker = (name: string) =>
    ({
      name,
      async call(command: string, args: { count?: number }) {
        if (command === failOn) throw new Error(`${command} failed`);
        if (command === 'sendAtRate') return { sent: args.count, errors: 0 };
        if (command === 'expect') {
          const latency = { count: args.count, p50Ms: 1, p99Ms: 2, p999Ms: 3, maxMs: 4, meanMs: 1 };
          return { received: args.count, firstAt: 0, lastAt: 1_000, latency };
        }
        return null;
      },
    }) as unknown as Worker;
  Object.assign(ctx, {
    worker: async (name: string) => worker(name),
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

const spec = {
  family: 'latency',
  transport: 'nats',
  subject,
  payloadBytes: 100,
  rates: [
    { rate: 10_000, count: 100 },
    { rate: 1_000, count: 50 },
  ],
  config: {},
};

describe('measureLatency', () => {
  it("deletes the measurement's topic once its workers are stopped, so the next subject starts on a clean broker", async () => {
    const { ctx, steps } = fakeContext();
    await measureLatency(ctx, spec);
    expect(steps).toEqual([
      'stop producer',
      'stop consumer',
      expect.stringMatching(/^drop nats bench_lat_switchyard_\w+_1$/),
    ]);
    expect(ctx.rows.map((r) => [r.messages, r.skipped])).toEqual([
      [100, undefined],
      [50, undefined],
    ]);
  });

  it('deletes the topic also when a run fails', async () => {
    const { ctx, steps } = fakeContext('sendAtRate');
    await measureLatency(ctx, spec);
    expect(steps.at(-1)).toMatch(/^drop nats bench_lat_switchyard_\w+_1$/);
    expect(ctx.rows.every((r) => r.skipped?.startsWith('failed'))).toBe(true);
  });
});
