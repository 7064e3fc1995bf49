import type { Row } from '../results.ts';

export const fmtInt = (v: number | null | undefined): string =>
  v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en');

export const fmtNum = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined
    ? '–'
    : v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

export const fmtRate = (r: Row): string =>
  r.msgPerSec === null
    ? '–'
    : r.runs > 1
      ? `${fmtInt(r.msgPerSec)} (${fmtInt(r.msgPerSecMin)}–${fmtInt(r.msgPerSecMax)})`
      : fmtInt(r.msgPerSec);

export const fmtP99 = (r: Row): string =>
  r.p99Ms === null
    ? '–'
    : r.runs > 1
      ? `${fmtNum(r.p99Ms)} (${fmtNum(r.p99MsMin)}–${fmtNum(r.p99MsMax)})`
      : fmtNum(r.p99Ms);

export const fmtPct = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined ? '–' : `${(v * 100).toFixed(digits)} %`;

export const fmtRatio = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`;

export const payload = (bytes: number): string => (bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`);

/** Rows measuring the same thing as `row` (same scenario, transport, payload, rate). */
export function peersOf(rows: readonly Row[], row: Row): Row[] {
  return rows.filter(
    (r) =>
      r !== row &&
      r.skipped === undefined &&
      r.scenario === row.scenario &&
      r.transport === row.transport &&
      r.payloadBytes === row.payloadBytes &&
      r.config.ratePerSec === row.config.ratePerSec &&
      r.config.tracing === row.config.tracing,
  );
}

/** Switchyard's raw peers among `peers`: minimal, with the same headers, doing the same work, Java. */
export function rawPeers(
  peers: readonly Row[],
  row: Row,
): { raw?: Row; rawHeaders?: Row; rawSame?: Row; java?: Row } {
  // Switchyard on a given client (`switchyard-<client>`) is compared with that client raw.
  const client = row.subjectId.startsWith('switchyard-')
    ? row.subjectId.slice('switchyard-'.length)
    : undefined;
  const own = (p: Row, id: string) => client === undefined || p.subjectId === id;
  const raw = peers.find(
    (p) =>
      p.kind === 'raw' &&
      !p.subjectId.endsWith('+ce') &&
      !p.subjectId.endsWith('+same') &&
      !p.subjectId.endsWith('+each') &&
      own(p, client ?? ''),
  );
  const rawHeaders = peers.find(
    (p) => p.kind === 'raw' && p.subjectId.endsWith('+ce') && own(p, `${client ?? ''}+ce`),
  );
  // The raw client doing a Switchyard subscription's work (see bench/src/subjects/same-work.ts).
  const rawSame = peers.find(
    (p) => p.kind === 'raw' && p.subjectId.endsWith('+same') && own(p, `${client ?? ''}+same`),
  );
  const java = peers.find((p) => p.kind === 'java');
  return {
    ...(raw === undefined ? {} : { raw }),
    ...(rawHeaders === undefined ? {} : { rawHeaders }),
    ...(rawSame === undefined ? {} : { rawSame }),
    ...(java === undefined ? {} : { java }),
  };
}

/** Switchyard's rate over its raw peer's (plain, and with the same headers) and over Java's, within the same run. */
export function ratios(
  rows: readonly Row[],
  row: Row,
): { raw?: number; rawHeaders?: number; rawSame?: number; java?: number } {
  // Rows at a fixed send rate (end-to-end latency) measure latency, not throughput: no ratio.
  if (row.kind !== 'switchyard' || row.msgPerSec === null || row.config.ratePerSec !== undefined) return {};
  const { raw, rawHeaders, rawSame, java } = rawPeers(
    peersOf(rows, row).filter((p) => p.msgPerSec !== null),
    row,
  );
  const over = (p: Row) => row.msgPerSec! / p.msgPerSec!;
  return {
    ...(raw === undefined ? {} : { raw: over(raw) }),
    ...(rawHeaders === undefined ? {} : { rawHeaders: over(rawHeaders) }),
    ...(rawSame === undefined ? {} : { rawSame: over(rawSame) }),
    ...(java === undefined ? {} : { java: over(java) }),
  };
}

/**
 * A fixed-rate (latency) row's p99 over its raw peers' p99 in the same run: minimal, and the peer
 * doing the same work (NATS: same wire, CloudEvents headers and `Nats-Msg-Id`, and a subscription's
 * consumer work). Each with the peer's row, for printing its p99.
 */
export function p99Ratios(
  rows: readonly Row[],
  row: Row,
): { raw?: { ratio: number; peer: Row }; rawSame?: { ratio: number; peer: Row } } {
  if (row.p99Ms === null || row.config.ratePerSec === undefined) return {};
  const peers = rawPeers(
    peersOf(rows, row).filter((p) => p.p99Ms !== null && p.p99Ms > 0),
    row,
  );
  const over = (peer: Row | undefined) =>
    peer === undefined ? undefined : { ratio: row.p99Ms! / peer.p99Ms!, peer };
  const raw = over(peers.raw);
  const rawSame = over(peers.rawSame);
  return { ...(raw === undefined ? {} : { raw }), ...(rawSame === undefined ? {} : { rawSame }) };
}

export function table(header: readonly string[], body: readonly (readonly string[])[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...body.map((cells) => `| ${cells.map(esc).join(' | ')} |`),
  ].join('\n');
}
