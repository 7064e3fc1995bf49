import { describe, expect, it } from 'vitest';
import { EMPTY_FIGURES, type Row } from '../results.ts';
import { joinsDriverScenario } from '../scenarios/driver-peers.ts';
import { natsModule } from '../subjects/nats.ts';
import { targetsTable } from './targets.ts';
import { consumeTargets } from './targets-open.ts';

const latencyRow = (subjectId: string, rate: number, p99Ms: number): Row => ({
  scenario: 'latency',
  family: 'latency',
  subject: subjectId,
  subjectId,
  kind: subjectId === 'switchyard' ? 'switchyard' : 'raw',
  transport: 'nats',
  payloadBytes: 100,
  messages: rate * 3,
  config: { ratePerSec: rate },
  ...EMPTY_FIGURES,
  msgPerSec: rate,
  p50Ms: 1,
  p99Ms,
  p99MsMin: p99Ms,
  p99MsMax: p99Ms,
  runs: 3,
  delivered: 1,
});

const natsLatency = (rows: readonly Row[]) =>
  consumeTargets(rows).filter((v) => v.target.includes('NATS end-to-end p99'));

describe('issue 15 NATS latency targets', () => {
  it('compares the 10,000/s p99 with the same-work peer and prints the ratio to raw minimal beside it', () => {
    // Raw minimal listed first, as the subjects module lists it: the ratio must not fall back to it.
    const rows = [1_000, 10_000].flatMap((rate) => [
      latencyRow('nats.js', rate, rate === 1_000 ? 1.5 : 3),
      latencyRow('nats.js+same', rate, rate === 1_000 ? 1.8 : 12),
      latencyRow('switchyard', rate, rate === 1_000 ? 2 : 13.2),
    ]);
    const [at1k, at10k] = natsLatency(rows);
    expect(at10k).toEqual({
      target: 'issue 15 — NATS end-to-end p99 ≤ 1.2× raw at 10,000 events/s',
      measured: '1.10× same work (4.40× raw minimal) — p99 13.2 ms vs same work 12, raw minimal 3 ms',
      met: true,
    });
    expect(at1k).toEqual({
      target: 'issue 15 — NATS end-to-end p99 ≤ 2.5 ms at 1,000 events/s',
      measured: 'p99 2 ms (same work 1.8, raw minimal 1.5 ms; 1.11× same work (1.33× raw minimal))',
      met: true,
    });
    expect(targetsTable(rows)).toContain('1.10× same work (4.40× raw minimal)');
  });

  it('is not met above 1.2× the same-work peer, however it compares with raw minimal', () => {
    const rows = [
      latencyRow('switchyard', 10_000, 20),
      latencyRow('nats.js+same', 10_000, 12),
      latencyRow('nats.js', 10_000, 19),
    ];
    expect(natsLatency(rows)[1]!.met).toBe(false);
  });

  it('falls back to raw minimal, and says so, when the same-work peer did not run (older results)', () => {
    const rows = [latencyRow('switchyard', 10_000, 13.81), latencyRow('nats.js', 10_000, 3)];
    expect(natsLatency(rows)[1]).toEqual({
      target: 'issue 15 — NATS end-to-end p99 ≤ 1.2× raw at 10,000 events/s',
      measured: '4.60× raw minimal — p99 13.81 ms vs raw minimal 3 ms',
      met: false,
    });
  });

  it('ignores a skipped same-work row and peers at another rate or payload', () => {
    const rows = [
      latencyRow('switchyard', 10_000, 6),
      { ...latencyRow('nats.js+same', 10_000, 5), p99Ms: null, skipped: 'failed: broker gone' },
      { ...latencyRow('nats.js+same', 10_000, 5), payloadBytes: 1024 },
      latencyRow('nats.js+same', 1_000, 5),
      latencyRow('nats.js', 10_000, 5),
    ];
    expect(natsLatency(rows)[1]!.measured).toBe('1.20× raw minimal — p99 6 ms vs raw minimal 5 ms');
  });
});

describe('latency scenario subjects', () => {
  it('runs NATS with Switchyard, raw minimal and the same-work peer, not the publish-only variants', async () => {
    const { available } = await natsModule.subjects();
    const latency = available.filter((s) => joinsDriverScenario(s, { sameWork: true })).map((s) => s.id);
    expect(latency).toEqual(['switchyard', 'nats.js', 'nats.js+same']);
    // The plan scenario (same helper, no same-work peers) keeps its subjects.
    expect(available.filter((s) => joinsDriverScenario(s)).map((s) => s.id)).toEqual([
      'switchyard',
      'nats.js',
    ]);
  });
});
