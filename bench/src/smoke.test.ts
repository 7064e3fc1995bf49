import { describe, expect, it } from 'vitest';
import { figures } from './context.ts';
import { runInproc } from './inproc.ts';
import { familyChart } from './report/svg.ts';
import { familyTable } from './report/tables.ts';
import { EMPTY_FIGURES, type Row } from './results.ts';

// Shape only: no timing assertions, the machine is shared.
describe('bench smoke: in-memory quick scenario', () => {
  it('measures Switchyard and the bare loop in-process and reports rows of the documented shape', async () => {
    const rows: Row[] = [];
    for (const subject of ['bare', 'switchyard'] as const) {
      const result = await runInproc({
        subject,
        tracing: 'off',
        events: 5_000,
        warmupEvents: 1_000,
        runs: 1,
        payloadBytes: 100,
        concurrency: 16,
        chunk: 500,
      });
      expect(result.runs).toHaveLength(1);
      expect(result.runs[0]!.events).toBe(5_000);
      const rates = result.runs.map((r) => (r.events * 1000) / r.elapsedMs);
      rows.push({
        scenario: 'core',
        family: 'core',
        subject: subject === 'bare' ? 'bare loop' : 'Switchyard (memory)',
        subjectId: subject,
        kind: subject === 'bare' ? 'raw' : 'switchyard',
        transport: 'memory',
        payloadBytes: 100,
        messages: 5_000,
        config: result.config,
        ...EMPTY_FIGURES,
        ...figures(rates, 100),
        runs: 1,
        delivered: 1,
      });
    }
    for (const row of rows) {
      for (const field of ['scenario', 'subject', 'transport', 'config'] as const)
        expect(row[field]).toBeDefined();
      for (const field of [
        'payloadBytes',
        'messages',
        'msgPerSec',
        'msgPerSecMin',
        'msgPerSecMax',
        'mbPerSec',
        'delivered',
      ] as const) {
        expect(typeof row[field]).toBe('number');
      }
      for (const field of ['p50Ms', 'p99Ms', 'p999Ms', 'rssMb'] as const) expect(row).toHaveProperty(field);
      expect(row.msgPerSec).toBeGreaterThan(0);
    }
    expect(familyTable('core', rows)).toContain('| Switchyard (memory) | 100 B |');
    expect(familyChart('core', 'core', rows)).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
  });
});
