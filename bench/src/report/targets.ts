import type { Row } from '../results.ts';
import { fmtInt, fmtNum, fmtPct, fmtRatio, payload, ratios, table } from './format.ts';
import { consumeTargets, kafkaDriverTargets, type Verdict } from './targets-open.ts';

const find = (rows: readonly Row[], p: (r: Row) => boolean) =>
  rows.find((r) => r.skipped === undefined && p(r));
const sw = (r: Row) => r.kind === 'switchyard';

/** The performance targets the issues set, checked against this run's rows. */
export function targetsTable(rows: readonly Row[]): string {
  const v: Verdict[] = [];

  const core = find(rows, (r) => r.family === 'core' && sw(r) && r.payloadBytes === 100);
  v.push({
    target: 'issue 2 — in-memory publish→handle ≥ 250,000 events/s (JSON, tracing off, 100 B)',
    measured: core ? `${fmtInt(core.msgPerSec)} events/s` : 'not measured',
    met: core?.msgPerSec == null ? undefined : core.msgPerSec >= 250_000,
  });

  for (const [transport, subjectId, name] of [
    ['memory', 'switchyard', 'memory'],
    ['kafka', 'switchyard', 'kafka'],
    ['kafka', 'switchyard-platformatic', 'kafka (platformatic driver)'],
    ['nats', 'switchyard', 'nats'],
  ] as const) {
    const tracing = (mode: string) =>
      find(
        rows,
        (r) =>
          r.family === 'tracing' &&
          r.transport === transport &&
          r.subjectId === subjectId &&
          r.config.tracing === mode,
      );
    const [off, on] = [tracing('off'), tracing('sampled')];
    if (off === undefined && on === undefined) continue;
    const cost = off?.msgPerSec && on?.msgPerSec ? 1 - on.msgPerSec / off.msgPerSec : undefined;
    v.push({
      target: `issue 6 — tracing cost ≤ 10 % (10 % sampler, batch exporter), ${name}`,
      measured:
        cost === undefined
          ? 'not measured'
          : `${fmtPct(cost)} (${fmtInt(on!.msgPerSec)} vs ${fmtInt(off!.msgPerSec)} /s)`,
      met: cost === undefined ? undefined : cost <= 0.1,
    });
  }

  const PEERS = {
    kafka: 'kafkajs sendBatch',
    nats: 'pipelined js.publish',
    redis: 'pipelined ioredis XADD',
  } as const;
  const P99_LIMIT_MS = { kafka: 20, nats: 5, redis: 3 } as const;
  for (const [transport, issue] of [
    ['kafka', 'issue 4'],
    ['nats', 'issue 5'],
    ['redis', 'issue 13'],
  ] as const) {
    for (const bytes of [100, 1024]) {
      const row = find(
        rows,
        (r) =>
          r.scenario === 'publish-concurrent' &&
          r.transport === transport &&
          sw(r) &&
          r.payloadBytes === bytes,
      );
      if (row === undefined) continue;
      const ratio = ratios(rows, row).raw;
      v.push({
        target: `${issue} — concurrent publish ≥ 0.9× raw ${PEERS[transport]}, ${payload(bytes)}`,
        measured: ratio === undefined ? 'no raw peer' : `${fmtRatio(ratio)} (${fmtInt(row.msgPerSec)} /s)`,
        met: ratio === undefined ? undefined : ratio >= 0.9,
      });
    }
    if (transport === 'redis') {
      for (const bytes of [100, 1024]) {
        const row = find(
          rows,
          (r) => r.family === 'consume' && r.transport === transport && sw(r) && r.payloadBytes === bytes,
        );
        if (row === undefined) continue;
        // "At the same semantics": against raw ioredis doing a subscription's work when it ran.
        const { raw, rawSame } = ratios(rows, row);
        const ratio = rawSame ?? raw;
        v.push({
          target: `${issue} — consume ≥ 0.9× raw ioredis XREADGROUP + XACK at the same semantics, ${payload(bytes)}`,
          measured:
            ratio === undefined
              ? 'no raw peer'
              : `${fmtRatio(ratio)}${rawSame === undefined ? ' raw minimal' : ` same work (${fmtRatio(raw)} raw minimal)`} (${fmtInt(row.msgPerSec)} /s)`,
          met: ratio === undefined ? undefined : ratio >= 0.9,
        });
      }
    }
    const limit = P99_LIMIT_MS[transport];
    const lat = find(
      rows,
      (r) =>
        r.family === 'latency' &&
        r.transport === transport &&
        sw(r) &&
        r.payloadBytes === 100 &&
        r.config.ratePerSec === 1_000,
    );
    v.push({
      target: `${issue} — end-to-end p99 ≤ ${limit} ms at 1,000 events/s${transport === 'kafka' ? ' (latency preset)' : ''}`,
      measured: lat
        ? `p99 ${fmtNum(lat.p99Ms)} ms (p50 ${fmtNum(lat.p50Ms)} ms), delivered ${fmtPct(lat.delivered)}`
        : 'not measured',
      met: lat?.p99Ms == null ? undefined : lat.p99Ms <= limit,
    });
  }
  v.push(...kafkaDriverTargets(rows), ...consumeTargets(rows));
  return table(
    ['target', 'measured (median of runs)', 'met?'],
    v.map((x) => [x.target, x.measured, x.met === undefined ? 'n/a' : x.met ? 'yes' : '**no**']),
  );
}
