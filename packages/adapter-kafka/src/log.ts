import type { KafkaLogEntry, KafkaLogLevel } from './options/options.ts';
import type { Redact } from './redaction.ts';

export type Log = (
  level: KafkaLogEntry['level'],
  message: string,
  fields?: Readonly<Record<string, unknown>>,
) => void;

const RANK: Readonly<Record<KafkaLogLevel, number>> = { nothing: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** The adapter's own log lines (namespace `Switchyard`), through the same sink and level as kafkajs'. */
export function createLog(
  level: KafkaLogLevel,
  sink: ((entry: KafkaLogEntry) => void) | undefined,
  redact: Redact,
): Log {
  if (sink === undefined || level === 'nothing') return () => {};
  return (lineLevel, message, fields = {}) => {
    if (RANK[lineLevel] > RANK[level]) return;
    try {
      sink({ level: lineLevel, namespace: 'Switchyard', message: redact(message), fields });
    } catch {
      // A failing log sink must not break the transport.
    }
  };
}
