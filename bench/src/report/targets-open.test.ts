import { describe, expect, it } from 'vitest';
import { EMPTY_FIGURES, type Row } from '../results.ts';
import { joinsDriverScenario } from '../scenarios/driver-peers.ts';
import { natsModule } from '../subjects/nats.ts';
import { targetsTable } from './targets.ts';
import { consumeTargets, kafkaDriverTargets } from './targets-open.ts';

/** A kafka-tuning publish row: median and min–max of three runs. */
function row(
  scenario: string,
  subjectId: string,
  payloadBytes: number,
  [min, median, max]: [number, number, number],
): Row {
  const preset = scenario.replace(/^kafka-(cluster-)?preset-/, '');
  return {
    ...EMPTY_FIGURES,
    scenario,
    family: 'kafka-tuning',
    subject: subjectId,
    subjectId,
    kind: subjectId.startsWith('switchyard') ? 'switchyard' : 'raw',
    transport: 'kafka',
    payloadBytes,
    messages: 30_000,
    runs: 3,
    msgPerSec: median,
    msgPerSecMin: min,
    msgPerSecMax: max,
    config: { preset, mode: 'concurrent', inFlight: 1_000 },
  };
}

const presetRows = (
  prefix: string,
  subjectId: string,
  bytes: number,
  rates: Record<'durable' | 'throughput' | 'latency', [number, number, number]>,
): Row[] => Object.entries(rates).map(([preset, r]) => row(`${prefix}${preset}`, subjectId, bytes, r));

const presetVerdicts = (rows: readonly Row[]) =>
  kafkaDriverTargets(rows).filter((v) => v.target.includes('throughput preset is the fastest'));

/** The cluster, kafkajs driver, 100 B: throughput ahead, its slowest run above the others' fastest. */
const CLUSTER_AHEAD = presetRows('kafka-cluster-preset-', 'switchyard', 100, {
  durable: [20_000, 25_000, 30_000],
  throughput: [60_000, 70_000, 80_000],
  latency: [15_000, 18_000, 21_000],
});

describe('targets: the throughput preset is the fastest', () => {
  it('gives each driver and payload one verdict on the single broker and one on the 3-node cluster', () => {
    const rows = [
      // The single broker: throughput behind durable by less than the runs' spread.
      ...presetRows('kafka-preset-', 'switchyard', 100, {
        durable: [140_000, 155_653, 170_000],
        throughput: [120_000, 148_847, 165_000],
        latency: [90_000, 100_000, 110_000],
      }),
      ...CLUSTER_AHEAD,
    ];
    const v = presetVerdicts(rows);
    expect(v.map((x) => x.target)).toEqual([
      'issue 14 — the throughput preset is the fastest, kafkajs driver, 100 B, single loopback broker (1 replica: `acks: all` waits for no follower, so `durable` and `throughput` send the same requests)',
      'issue 14 — the throughput preset is the fastest, kafkajs driver, 100 B, 3-node cluster, replication factor 3, min.insync.replicas 2',
    ]);
    expect(v[0]!.met).toBe(false);
    expect(v[0]!.measured).toBe(
      'throughput 148,847 (120,000–165,000), durable 155,653 (140,000–170,000), latency 100,000 (90,000–110,000) /s; throughput’s and durable’s ranges overlap',
    );
    expect(v[1]!.met).toBe(true);
    expect(v[1]!.measured).toBe(
      'throughput 70,000 (60,000–80,000), durable 25,000 (20,000–30,000), latency 18,000 (15,000–21,000) /s',
    );
  });

  it('lists the cluster verdict as not measured, with the reason, where only the single broker ran', () => {
    const single = presetRows('kafka-preset-', 'switchyard-platformatic', 1024, {
      durable: [100_000, 148_572, 160_000],
      throughput: [120_000, 139_169, 150_000],
      latency: [80_000, 90_000, 95_000],
    });
    expect(presetVerdicts(single).map((x) => [x.measured, x.met])).toEqual([
      [expect.stringContaining('throughput 139,169'), false],
      ['not measured', undefined],
    ]);
    const skipped: Row = {
      ...row('kafka-cluster-preset-throughput', 'switchyard-platformatic', 1024, [0, 0, 0]),
      ...EMPTY_FIGURES,
      runs: 0,
      skipped: 'KAFKA_CLUSTER_BROKERS is not set (infra/up kafka-cluster)',
    };
    const [, cluster] = presetVerdicts([...single, skipped]);
    expect(cluster!.target).toContain('platformatic driver, 1 KiB, 3-node cluster');
    expect(cluster!.measured).toBe('not measured: KAFKA_CLUSTER_BROKERS is not set (infra/up kafka-cluster)');
    expect(cluster!.met).toBeUndefined();
  });

  it('reports a cluster verdict on its own when the single broker’s rows are missing, and nothing for a cell never measured', () => {
    const rows = presetRows('kafka-cluster-preset-', 'switchyard', 1024, {
      durable: [20_000, 25_000, 30_000],
      throughput: [22_000, 24_000, 31_000],
      latency: [10_000, 12_000, 14_000],
    });
    const v = presetVerdicts(rows);
    expect(v).toHaveLength(1);
    expect(v[0]!.target).toContain('kafkajs driver, 1 KiB, 3-node cluster');
    expect(v[0]!.met).toBe(false);
    expect(v[0]!.measured).toContain('ranges overlap');
  });

  it('renders both verdicts as rows of the targets table', () => {
    const rows = [
      ...presetRows('kafka-preset-', 'switchyard', 100, {
        durable: [140_000, 150_000, 160_000],
        throughput: [145_000, 151_000, 158_000],
        latency: [90_000, 100_000, 110_000],
      }),
      ...CLUSTER_AHEAD,
    ];
    const lines = targetsTable(rows)
      .split('\n')
      .filter((l) => l.includes('throughput preset'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/kafkajs driver, 100 B, single loopback broker .*\| yes \|$/);
    expect(lines[1]).toMatch(/kafkajs driver, 100 B, 3-node cluster, .*\| yes \|$/);
  });
});

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

/** A publish-scenario row (100 B) of one subject at one rate. */
function publishRow(scenario: string, subjectId: string, msgPerSec: number): Row {
  return {
    ...EMPTY_FIGURES,
    scenario,
    family: 'publish',
    subject: subjectId,
    subjectId,
    kind: subjectId === 'java' ? 'java' : subjectId.startsWith('switchyard') ? 'switchyard' : 'raw',
    transport: 'kafka',
    payloadBytes: 100,
    messages: 50_000,
    runs: 3,
    msgPerSec,
    msgPerSecMin: msgPerSec,
    msgPerSecMax: msgPerSec,
    config: { preset: 'durable', mode: scenario.replace('publish-', ''), inFlight: 1_000 },
  };
}

const publishVerdicts = (rows: readonly Row[]) =>
  kafkaDriverTargets(rows).filter((v) => v.target.includes('concurrent publish, platformatic driver'));

describe('targets: the platformatic driver publishes at least as fast as its raw client', () => {
  const rows = (batchRate: number) => [
    publishRow('publish-concurrent', 'switchyard-platformatic', 300_000),
    publishRow('publish-concurrent', 'platformatic', 400_000),
    publishRow('publish-concurrent', 'platformatic+each', 8_000),
    publishRow('publish-concurrent', 'platformatic+ce', 110_000),
    publishRow('publish-concurrent', 'java', 200_000),
    publishRow('publish-batch', 'switchyard-platformatic', batchRate),
    publishRow('publish-batch', 'platformatic', 400_000),
  ];

  it('compares each call shape with raw in the same shape, and prints the mixed-shape ratio beside', () => {
    const [verdict] = publishVerdicts(rows(420_000));
    expect(verdict?.met).toBe(true);
    expect(verdict?.measured).toBe(
      "batch call 1.05× raw (420,000 /s); per event 37.50× raw (300,000 /s), 0.75× raw's batch call; 1.50× Java; 2.73× raw + CE headers",
    );
  });

  it('is not met when the batch call is slower than raw’s', () => {
    expect(publishVerdicts(rows(380_000))[0]?.met).toBe(false);
  });

  it('is undecided while a shape was not measured', () => {
    const [verdict] = publishVerdicts(rows(420_000).filter((r) => r.subjectId !== 'platformatic+each'));
    expect(verdict?.met).toBeUndefined();
  });
});
