import { describe, expect, it } from 'vitest';
import { EMPTY_FIGURES, type Row } from '../results.ts';
import { familyTable } from './tables.ts';

const row = (scenario: string, subjectId: string, msgPerSec: number): Row => ({
  ...EMPTY_FIGURES,
  scenario,
  family: 'kafka-tuning',
  subject: subjectId === 'switchyard' ? 'Switchyard (kafka)' : 'raw kafkajs (minimal)',
  subjectId,
  kind: subjectId === 'switchyard' ? 'switchyard' : 'raw',
  transport: 'kafka',
  payloadBytes: 100,
  messages: 30_000,
  runs: 1,
  msgPerSec,
  msgPerSecMin: msgPerSec,
  msgPerSecMax: msgPerSec,
  config: { preset: 'throughput', mode: 'concurrent', inFlight: 1_000 },
});

describe('kafka-tuning table', () => {
  it('labels the replicated-cluster rows and compares each with the raw client on the same setup', () => {
    const table = familyTable('kafka-tuning', [
      row('kafka-preset-throughput', 'switchyard', 150_000),
      row('kafka-preset-throughput', 'kafkajs', 100_000),
      {
        ...row('kafka-cluster-preset-throughput', 'switchyard', 60_000),
        config: { preset: 'throughput', replicationFactor: 3, minInsyncReplicas: 2 },
      },
      row('kafka-cluster-preset-throughput', 'kafkajs', 40_000),
    ]);
    const lines = table.split('\n').filter((l) => l.includes('Switchyard'));
    expect(lines[0]).toMatch(
      /^\| preset-throughput \| kafka \| 100 B \| Switchyard \(kafka\) \| 150,000 \| .* \| 1\.50× \|/,
    );
    expect(lines[1]).toMatch(
      /^\| cluster-preset-throughput \| kafka \| 100 B \| Switchyard \(kafka\) \| 60,000 \| .* \| 1\.50× \|/,
    );
  });
});
