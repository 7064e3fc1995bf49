import { describe, expect, it, vi } from 'vitest';
import { RunContext } from '../context.ts';
import { PLATFORMATIC_VARIANTS, platformaticInfo } from '../subjects/platformatic-variants.ts';
import type { MissingSubject } from '../subjects/types.ts';
import { subjectsWithDriverPeers } from './driver-peers.ts';

// A Kafka module on a machine where neither @platformatic/kafka nor the adapter's platformatic driver loads.
const reason = '@platformatic/kafka does not load: Error: Cannot find module';
const missing: MissingSubject[] = [
  {
    id: 'switchyard-platformatic',
    label: 'Switchyard (kafka, platformatic driver)',
    kind: 'switchyard',
    reason,
  },
  ...PLATFORMATIC_VARIANTS.map((v) => ({ ...platformaticInfo(v), reason })),
];
vi.mock('../subjects/registry.ts', () => ({
  loadTransport: async () => ({ transport: 'kafka', subjects: async () => ({ available: [], missing }) }),
}));

const ctx = new RunContext({ quick: true, runs: 1, env: {} });
const ids = (list: readonly MissingSubject[]) => list.map((m) => m.id);

describe('subjects that do not load', () => {
  it('are each named, with their own label, only in the scenarios they would have run in', async () => {
    expect(ids((await ctx.subjects('kafka')).missing)).toEqual(['switchyard-platformatic']);
    expect(ids((await ctx.subjects('kafka', { extras: true, consume: true })).missing)).toEqual([
      'switchyard-platformatic',
      'platformatic',
      'platformatic+ce',
      'platformatic+same',
    ]);
    expect(ids((await ctx.subjects('kafka', { extras: true, publishShapes: true })).missing)).toEqual([
      'switchyard-platformatic',
      'platformatic',
      'platformatic+ce',
      'platformatic+each',
    ]);
    const latency = await subjectsWithDriverPeers(ctx, 'kafka', { sameWork: true });
    expect(latency.missing.map((m) => [m.id, m.label, m.kind])).toEqual([
      ['switchyard-platformatic', 'Switchyard (kafka, platformatic driver)', 'switchyard'],
      ['platformatic', 'raw @platformatic/kafka', 'raw'],
    ]);
  });
});
