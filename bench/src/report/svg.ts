import type { Row } from '../results.ts';
import { payload } from './format.ts';

const COLORS: Record<Row['kind'], string> = {
  switchyard: '#2563eb',
  raw: '#9ca3af',
  java: '#f59e0b',
  reference: '#10b981',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** What a family's chart plots: throughput for most, p99 latency for the latency family. */
function metric(family: string): { label: string; value: (r: Row) => number | null; unit: string } {
  if (family === 'latency')
    return {
      label: 'end-to-end p99 latency (ms, log scale, shorter is better)',
      value: (r) => r.p99Ms,
      unit: 'ms',
    };
  if (family === 'plan')
    return { label: 'events/s within the window (log scale)', value: (r) => r.msgPerSec, unit: '/s' };
  return {
    label: 'events/s, median of runs (log scale, longer is better)',
    value: (r) => (r.config.ratePerSec !== undefined ? null : r.msgPerSec),
    unit: '/s',
  };
}

function barLabel(r: Row): string {
  const parts = [r.transport];
  if (r.family === 'latency') parts.push(`${Number(r.config.ratePerSec).toLocaleString('en')}/s`);
  else if (r.family === 'tracing') parts.push(`tracing ${String(r.config.tracing)}`);
  else if (r.family !== 'core') parts.push(r.scenario.replace(/^(publish|kafka)-/, ''));
  if (r.family !== 'tracing') parts.push(payload(r.payloadBytes));
  if (r.family === 'plan') parts.push(`N=${r.messages}`);
  parts.push(r.subject);
  return parts.join(' · ');
}

/** A horizontal bar chart on a log scale: one bar per measured row, coloured by kind. */
export function familyChart(family: string, title: string, rows: readonly Row[]): string | undefined {
  const m = metric(family);
  const bars = rows
    .filter((r) => r.family === family && r.skipped === undefined)
    .map((r) => ({ r, v: m.value(r) }))
    .filter((b): b is { r: Row; v: number } => b.v !== null && b.v > 0);
  if (bars.length === 0) return undefined;
  const labelW = 430;
  const plotW = 420;
  const barH = 16;
  const gap = 5;
  const top = 48;
  const height = top + bars.length * (barH + gap) + 40;
  const width = labelW + plotW + 110;
  const max = Math.max(...bars.map((b) => b.v));
  const min = Math.min(...bars.map((b) => b.v));
  const lo = 10 ** Math.floor(Math.log10(Math.min(min, 1)));
  const hi = 10 ** Math.ceil(Math.log10(max));
  const x = (v: number) => (Math.log10(v / lo) / Math.log10(hi / lo)) * plotW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="10" y="36" fill="#555">${esc(m.label)}</text>`,
  ];
  for (let t = lo; t <= hi; t *= 10) {
    const tx = labelW + x(t);
    out.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${height - 30}" stroke="#e5e7eb"/>`);
    out.push(
      `<text x="${tx}" y="${height - 16}" text-anchor="middle" fill="#555">${esc(t.toLocaleString('en'))}</text>`,
    );
  }
  bars.forEach(({ r, v }, i) => {
    const y = top + i * (barH + gap);
    const w = Math.max(1, x(v));
    out.push(`<text x="${labelW - 6}" y="${y + barH - 4}" text-anchor="end">${esc(barLabel(r))}</text>`);
    out.push(
      `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[r.kind]}"/>`,
    );
    const shown =
      v >= 100 ? Math.round(v).toLocaleString('en') : v.toLocaleString('en', { maximumFractionDigits: 2 });
    out.push(
      `<text x="${labelW + w + 4}" y="${y + barH - 4}" fill="#111">${esc(`${shown} ${m.unit}`)}</text>`,
    );
  });
  const legendY = height - 4;
  let lx = 10;
  for (const [kind, color] of Object.entries(COLORS)) {
    if (!bars.some((b) => b.r.kind === kind)) continue;
    out.push(`<rect x="${lx}" y="${legendY - 9}" width="10" height="10" fill="${color}"/>`);
    out.push(
      `<text x="${lx + 14}" y="${legendY}">${esc(kind === 'java' ? 'Kafka Java perf tool' : kind)}</text>`,
    );
    lx += 150;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
