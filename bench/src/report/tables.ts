import type { Row } from '../results.ts';
import { PLAN_PUBLISHED, PLAN_TRANSPORTS } from '../scenarios/plan.ts';
import {
  fmtInt,
  fmtNum,
  fmtP99,
  fmtPct,
  fmtRate,
  fmtRatio,
  payload,
  peersOf,
  ratios,
  table,
} from './format.ts';

const mode = (r: Row) => String(r.config.mode ?? r.scenario);
const why = (r: Row) => `skipped: ${r.skipped}`;

/** One Markdown table per family; rows in the order they were measured. */
export function familyTable(family: string, rows: readonly Row[]): string {
  const own = rows.filter((r) => r.family === family);
  switch (family) {
    case 'core':
      return table(
        [
          'subject',
          'payload',
          'events/s median (min–max)',
          'µs/event',
          'Switchyard/bare',
          'core overhead µs/event',
          'peak RSS MB',
        ],
        own.map((r) => {
          if (r.skipped) return [r.subject, payload(r.payloadBytes), why(r), '', '', '', ''];
          const bare = peersOf(rows, r).find((p) => p.kind === 'raw');
          const us = r.msgPerSec ? 1e6 / r.msgPerSec : undefined;
          const bareUs = bare?.msgPerSec ? 1e6 / bare.msgPerSec : undefined;
          return [
            r.subject,
            payload(r.payloadBytes),
            fmtRate(r),
            fmtNum(us, 2),
            r.kind === 'switchyard' ? fmtRatio(ratios(rows, r).raw) : '',
            r.kind === 'switchyard' && us !== undefined && bareUs !== undefined ? fmtNum(us - bareUs, 2) : '',
            fmtNum(r.rssMb, 0),
          ];
        }),
      );
    case 'tracing':
      return table(
        [
          'transport',
          'subject',
          'tracing',
          'events/s median (min–max)',
          'µs/event',
          'added µs/event vs off',
          'cost vs off',
          'spans exported',
          'peak RSS MB',
        ],
        own.map((r) => {
          const off = own.find(
            (o) =>
              o.transport === r.transport &&
              o.subjectId === r.subjectId &&
              o.config.tracing === 'off' &&
              o.msgPerSec !== null,
          );
          const cost =
            off && r.msgPerSec !== null && r !== off ? 1 - r.msgPerSec / off.msgPerSec! : undefined;
          const us = r.msgPerSec ? 1e6 / r.msgPerSec : undefined;
          const offUs = off?.msgPerSec ? 1e6 / off.msgPerSec : undefined;
          return [
            r.transport,
            r.subject,
            String(r.config.tracing),
            r.skipped ? why(r) : fmtRate(r),
            fmtNum(us, 2),
            us !== undefined && offUs !== undefined && r !== off ? fmtNum(us - offUs, 2) : '',
            cost === undefined ? '' : fmtPct(cost),
            r.config.exportedSpans === undefined ? '' : fmtInt(Number(r.config.exportedSpans)),
            fmtNum(r.rssMb, 0),
          ];
        }),
      );
    case 'publish':
    case 'kafka-tuning':
      return table(
        [
          family === 'publish' ? 'mode' : 'configuration',
          'transport',
          'payload',
          'subject',
          'msg/s median (min–max)',
          'MB/s',
          '× raw',
          '× raw + headers',
          '× Java',
          'p50 / p99 ms',
          'delivered',
          'peak RSS MB',
        ],
        own.map((r) => {
          const ratio = ratios(rows, r);
          const e2e = r.config.ratePerSec !== undefined;
          return [
            family === 'publish'
              ? mode(r)
              : `${r.scenario.replace(/^kafka-/, '')}${e2e ? ` @ ${fmtInt(Number(r.config.ratePerSec))}/s` : ''}`,
            r.transport,
            payload(r.payloadBytes),
            r.subject,
            r.skipped ? why(r) : fmtRate(r),
            fmtNum(r.mbPerSec),
            fmtRatio(ratio.raw),
            fmtRatio(ratio.rawHeaders),
            fmtRatio(ratio.java),
            r.p50Ms === null ? '' : `${fmtNum(r.p50Ms)} / ${fmtP99(r)}`,
            r.delivered === null ? '' : fmtPct(r.delivered),
            fmtNum(r.rssMb, 0),
          ];
        }),
      );
    case 'consume':
      return table(
        [
          'transport',
          'payload',
          'subject',
          'msg/s median (min–max)',
          'MB/s',
          '× raw (minimal)',
          '× raw (same work)',
          '× Java',
          'delivered',
          'consumer peak RSS MB',
        ],
        own.map((r) => {
          const ratio = ratios(rows, r);
          return [
            r.transport,
            payload(r.payloadBytes),
            r.subject,
            r.skipped ? why(r) : fmtRate(r),
            fmtNum(r.mbPerSec),
            fmtRatio(ratio.raw),
            fmtRatio(ratio.rawSame),
            fmtRatio(ratio.java),
            fmtPct(r.delivered),
            fmtNum(r.consumerRssMb, 0),
          ];
        }),
      );
    case 'latency':
      return table(
        [
          'transport',
          'payload',
          'rate/s',
          'subject',
          'p50 ms',
          'p99 ms median (min–max)',
          'p99.9 ms',
          'delivered',
          'peak RSS MB (prod / cons)',
        ],
        own.map((r) => [
          r.transport,
          payload(r.payloadBytes),
          fmtInt(Number(r.config.ratePerSec)),
          r.subject,
          r.skipped ? why(r) : fmtNum(r.p50Ms),
          fmtP99(r),
          fmtNum(r.p999Ms),
          fmtPct(r.delivered),
          `${fmtNum(r.producerRssMb, 0)} / ${fmtNum(r.consumerRssMb, 0)}`,
        ]),
      );
    case 'plan':
      return planTable(own);
    default:
      return table(
        ['scenario', 'subject', 'msg/s'],
        own.map((r) => [r.scenario, r.subject, fmtRate(r)]),
      );
  }
}

function planTable(own: readonly Row[]): string {
  const body: string[][] = [];
  for (const transport of PLAN_TRANSPORTS) {
    const published = PLAN_PUBLISHED[transport];
    if (published !== undefined)
      body.push([
        transport,
        'plan’s published start',
        published.client,
        '–',
        fmtNum(published.msgPerSec, 1),
        fmtNum(published.firstEventMs),
        fmtPct(published.delivered),
      ]);
    for (const r of own.filter((o) => o.transport === transport)) {
      body.push([
        transport,
        `N = ${fmtInt(r.messages)}`,
        r.subject,
        fmtInt(r.messages),
        r.skipped
          ? why(r)
          : `${fmtNum(r.msgPerSec, 1)} (${fmtNum(r.msgPerSecMin, 1)}–${fmtNum(r.msgPerSecMax, 1)})`,
        r.firstEventRunsMs !== undefined && r.firstEventRunsMs.length > 1
          ? `${fmtNum(r.firstEventMs)} (${r.firstEventRunsMs.map((v) => fmtNum(v)).join(' · ')})`
          : fmtNum(r.firstEventMs),
        fmtPct(r.delivered),
      ]);
    }
  }
  return table(
    [
      'transport',
      'run',
      'subject',
      'events',
      'msg/s median (min–max)',
      'first event ms, median (each run in order)',
      'delivered in window',
    ],
    body,
  );
}
