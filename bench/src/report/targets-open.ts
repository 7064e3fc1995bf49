import type { Row } from '../results.ts';
import { fmtInt, fmtNum, fmtRate, fmtRatio, p99Ratios, payload, peersOf, ratios } from './format.ts';

export type Verdict = { target: string; measured: string; met: boolean | undefined };

const PAYLOADS = [100, 1024] as const;
const DRIVERS = [
  { id: 'switchyard', name: 'kafkajs driver', raw: 'kafkajs' },
  { id: 'switchyard-platformatic', name: 'platformatic driver', raw: 'platformatic' },
] as const;

const live = (rows: readonly Row[], p: (r: Row) => boolean) =>
  rows.find((r) => r.skipped === undefined && p(r));

/** Issue 14's targets: the platformatic driver's publish, the presets, its consume. */
export function kafkaDriverTargets(rows: readonly Row[]): Verdict[] {
  const v: Verdict[] = [];
  const issue = 'issue 14';
  for (const bytes of PAYLOADS) v.push(...publishVerdict(rows, issue, bytes));
  for (const driver of DRIVERS) {
    for (const bytes of PAYLOADS) v.push(...presetVerdicts(rows, driver, bytes));
  }
  for (const driver of DRIVERS) {
    const row = live(
      rows,
      (r) =>
        r.family === 'latency' &&
        r.transport === 'kafka' &&
        r.subjectId === driver.id &&
        r.payloadBytes === 100 &&
        r.config.ratePerSec === 1_000,
    );
    const raw = row && live(peersOf(rows, row), (r) => r.subjectId === driver.raw);
    v.push({
      target: `${issue} — latency preset end-to-end p99 ≤ 5 ms at 1,000 events/s, ${driver.name}`,
      measured: row
        ? `p99 ${fmtNum(row.p99Ms)} ms${raw ? ` (raw ${driver.raw} ${fmtNum(raw.p99Ms)})` : ''}`
        : 'not measured',
      met: row?.p99Ms == null ? undefined : row.p99Ms <= 5,
    });
  }
  for (const bytes of PAYLOADS) {
    const row = live(
      rows,
      (r) => r.family === 'consume' && r.subjectId === 'switchyard-platformatic' && r.payloadBytes === bytes,
    );
    if (row === undefined) continue;
    const { rawSame } = ratios(rows, row);
    v.push({
      target: `${issue} — consume, platformatic driver ≥ 0.9× raw @platformatic/kafka at the same semantics, ${payload(bytes)}`,
      measured: `${fmtRatio(rawSame)} (${fmtInt(row.msgPerSec)} /s)`,
      met: rawSame === undefined ? undefined : rawSame >= 0.9,
    });
  }
  return v;
}

/**
 * Where the presets were measured: the single loopback broker, where `acks: all` waits for no
 * follower and `durable` and `throughput` send the same requests (their order there is the
 * machine's noise), and the 3-node cluster (bench/src/scenarios/kafka-cluster-presets.ts).
 */
const PRESET_SETUPS = [
  {
    prefix: 'kafka-preset-',
    where:
      'single loopback broker (1 replica: `acks: all` waits for no follower, so `durable` and `throughput` send the same requests)',
  },
  { prefix: 'kafka-cluster-preset-', where: '3-node cluster, replication factor 3, min.insync.replicas 2' },
] as const;

/**
 * The platformatic driver's concurrent publish against raw @platformatic/kafka in each call shape
 * a user can write, 1,000 events unconfirmed: a batch call of 1,000 (`publishBatch` against one
 * `send` of 1,000 messages, the `publish-batch` rows), and a call per event (`publish` against one
 * `send` per message, `platformatic+each`), and against Java's ProducerPerformance (a call per
 * record). The per-event `publish` over raw's batch call, the mixed-shape ratio the row showed
 * before, is printed beside them.
 */
function publishVerdict(rows: readonly Row[], issue: string, bytes: number): Verdict[] {
  const perEvent = live(
    rows,
    (r) =>
      r.scenario === 'publish-concurrent' &&
      r.subjectId === 'switchyard-platformatic' &&
      r.payloadBytes === bytes,
  );
  const batch = live(
    rows,
    (r) =>
      r.scenario === 'publish-batch' && r.subjectId === 'switchyard-platformatic' && r.payloadBytes === bytes,
  );
  if (perEvent === undefined && batch === undefined) return [];
  const { raw: mixed, rawHeaders, java } = perEvent === undefined ? {} : ratios(rows, perEvent);
  const each = perEvent && live(peersOf(rows, perEvent), (r) => r.subjectId === 'platformatic+each');
  const perEventRaw =
    perEvent?.msgPerSec != null && each?.msgPerSec != null ? perEvent.msgPerSec / each.msgPerSec : undefined;
  const batchRaw = batch === undefined ? undefined : ratios(rows, batch).raw;
  const shapes = [batchRaw, perEventRaw, java];
  return [
    {
      target: `${issue} — concurrent publish, platformatic driver ≥ 1.0× raw @platformatic/kafka in the same call shape (a batch call of 1,000: \`publishBatch\` vs \`send\`; a call per event, 1,000 open: \`publish\` vs \`send\`) and ≥ 1.0× Java, ${payload(bytes)}`,
      measured:
        `batch call ${fmtRatio(batchRaw)} raw (${fmtInt(batch?.msgPerSec)} /s); ` +
        `per event ${fmtRatio(perEventRaw)} raw (${fmtInt(perEvent?.msgPerSec)} /s), ${fmtRatio(mixed)} raw's batch call; ` +
        `${fmtRatio(java)} Java; ${fmtRatio(rawHeaders)} raw + CE headers`,
      met: shapes.some((s) => s === undefined) ? undefined : shapes.every((s) => s! >= 1),
    },
  ];
}

/**
 * "The throughput preset is the fastest" for one driver and payload: one verdict per setup. The
 * cluster's verdict is listed (as not measured, with the reason when known) wherever the single
 * broker's is, so a run without the cluster cannot pass for one that had it.
 */
function presetVerdicts(rows: readonly Row[], driver: (typeof DRIVERS)[number], bytes: number): Verdict[] {
  const v: Verdict[] = [];
  for (const { prefix, where } of PRESET_SETUPS) {
    const mine = (r: Row, preset: string) =>
      r.scenario === `${prefix}${preset}` && r.subjectId === driver.id && r.payloadBytes === bytes;
    const presets = ['durable', 'throughput', 'latency'].map((preset) => live(rows, (r) => mine(r, preset)));
    const target = `issue 14 — the throughput preset is the fastest, ${driver.name}, ${payload(bytes)}, ${where}`;
    if (presets.every((r) => r?.msgPerSec != null)) {
      const [durable, throughput, latency] = presets as [Row, Row, Row];
      const rival = durable.msgPerSec! >= latency.msgPerSec! ? durable : latency;
      const apart =
        throughput.msgPerSecMin! > rival.msgPerSecMax! || rival.msgPerSecMin! > throughput.msgPerSecMax!;
      v.push({
        target,
        measured: `throughput ${fmtRate(throughput)}, durable ${fmtRate(durable)}, latency ${fmtRate(latency)} /s${apart ? '' : `; throughput’s and ${String(rival.config.preset)}’s ranges overlap`}`,
        met: throughput.msgPerSec! >= rival.msgPerSec!,
      });
    } else if (v.length > 0) {
      const skipped = rows.find((r) => r.skipped !== undefined && mine(r, 'throughput'))?.skipped;
      v.push({
        target,
        measured: skipped === undefined ? 'not measured' : `not measured: ${skipped}`,
        met: undefined,
      });
    }
  }
  return v;
}

/** Issue 15's targets: consume rate and memory at equal semantics, NATS latency, first event. */
export function consumeTargets(rows: readonly Row[]): Verdict[] {
  const v: Verdict[] = [];
  const issue = 'issue 15';
  const consumers = rows.filter(
    (r) => r.skipped === undefined && r.family === 'consume' && r.kind === 'switchyard',
  );
  for (const row of consumers) {
    const { raw, rawSame } = ratios(rows, row);
    const who = `${row.subject}, ${payload(row.payloadBytes)}`;
    v.push({
      target: `${issue} — consume ≥ 0.9× raw at equal semantics, ${who}`,
      measured: `${fmtRatio(rawSame)} same work (${fmtRatio(raw)} raw minimal)`,
      met: rawSame === undefined ? undefined : rawSame >= 0.9,
    });
  }
  for (const row of consumers) {
    const same = sameWorkPeer(rows, row);
    const ratio =
      same?.consumerRssMb && row.consumerRssMb ? row.consumerRssMb / same.consumerRssMb : undefined;
    v.push({
      target: `${issue} — consumer peak RSS ≤ 1.25× raw (same work), ${row.subject}, ${payload(row.payloadBytes)}`,
      measured:
        ratio === undefined
          ? 'no same-work peer'
          : `${fmtRatio(ratio)} (${fmtInt(row.consumerRssMb)} vs ${fmtInt(same!.consumerRssMb)} MB)`,
      met: ratio === undefined ? undefined : ratio <= 1.25,
    });
  }
  for (const rate of [1_000, 10_000]) {
    const row = live(
      rows,
      (r) =>
        r.family === 'latency' &&
        r.transport === 'nats' &&
        r.kind === 'switchyard' &&
        r.payloadBytes === 100 &&
        r.config.ratePerSec === rate,
    );
    const { raw, rawSame } = row === undefined ? {} : p99Ratios(rows, row);
    // "Where Switchyard does more, … a raw peer that does the same work": the 10,000/s ratio is over
    // the same-wire, same-work peer when it ran (raw minimal beside it), else over raw minimal.
    const over = rawSame ?? raw;
    const peers = [
      ...(rawSame === undefined ? [] : [`same work ${fmtNum(rawSame.peer.p99Ms)}`]),
      ...(raw === undefined ? [] : [`raw minimal ${fmtNum(raw.peer.p99Ms)}`]),
    ].join(', ');
    const ratio =
      rawSame === undefined
        ? `${fmtRatio(raw?.ratio)} raw minimal`
        : `${fmtRatio(rawSame.ratio)} same work (${fmtRatio(raw?.ratio)} raw minimal)`;
    v.push({
      target:
        rate === 1_000
          ? `${issue} — NATS end-to-end p99 ≤ 2.5 ms at 1,000 events/s`
          : `${issue} — NATS end-to-end p99 ≤ 1.2× raw at 10,000 events/s`,
      measured:
        row === undefined
          ? 'not measured'
          : rate === 1_000
            ? `p99 ${fmtNum(row.p99Ms)} ms${peers === '' ? '' : ` (${peers} ms; ${ratio})`}`
            : `${ratio} — p99 ${fmtNum(row.p99Ms)} ms vs ${peers === '' ? 'no raw peer' : `${peers} ms`}`,
      met:
        rate === 1_000
          ? row?.p99Ms == null
            ? undefined
            : row.p99Ms <= 2.5
          : over === undefined
            ? undefined
            : over.ratio <= 1.2,
    });
  }
  for (const row of rows.filter(
    (r) => r.skipped === undefined && r.family === 'plan' && r.kind === 'switchyard',
  )) {
    const raw = planRawPeer(rows, row);
    const gap =
      row.firstEventMs != null && raw?.firstEventMs != null ? row.firstEventMs - raw.firstEventMs : undefined;
    v.push({
      target: `${issue} — first event ≤ raw + 2 ms, ${row.subject}, N = ${fmtInt(row.messages)}`,
      measured:
        gap === undefined
          ? 'no raw peer'
          : `${fmtNum(row.firstEventMs)} ms vs ${raw!.subject} ${fmtNum(raw!.firstEventMs)} ms`,
      met: gap === undefined ? undefined : gap <= 2,
    });
  }
  return v;
}

function sameWorkPeer(rows: readonly Row[], row: Row): Row | undefined {
  const client = row.subjectId.startsWith('switchyard-')
    ? row.subjectId.slice('switchyard-'.length)
    : undefined;
  return live(
    peersOf(rows, row),
    (p) =>
      p.kind === 'raw' &&
      p.subjectId.endsWith('+same') &&
      (client === undefined || p.subjectId === `${client}+same`),
  );
}

/** The plan rows' raw peer: the same N, the driver's own client for the platformatic driver. */
function planRawPeer(rows: readonly Row[], row: Row): Row | undefined {
  const own = DRIVERS.find((d) => d.id === row.subjectId && row.transport === 'kafka')?.raw;
  return live(
    peersOf(rows, row),
    (p) => p.kind === 'raw' && p.messages === row.messages && (own === undefined || p.subjectId === own),
  );
}
