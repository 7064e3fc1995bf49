// Must load before kafkajs: see kafkajs-encoder-patch.ts.
import './kafkajs-encoder-patch.ts';
import kafkajs from 'kafkajs';
import type { KafkaLogEntry, KafkaLogLevel } from '../options/options.ts';
import type { Redact } from '../redaction.ts';

const { logLevel } = kafkajs;

export const KAFKAJS_LEVEL: Readonly<Record<KafkaLogLevel, kafkajs.logLevel>> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

const LEVEL_NAME: Readonly<Record<number, KafkaLogEntry['level']>> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Routes kafkajs' log lines to the injected sink. Secrets are scrubbed from every string and
 * stacks are dropped; without a sink nothing is written (kafkajs' default prints to the console).
 */
export function logCreatorFor(
  sink: ((entry: KafkaLogEntry) => void) | undefined,
  redact: Redact,
): kafkajs.logCreator {
  return () => (entry) => {
    if (sink === undefined) return;
    const {
      message,
      stack: _stack,
      timestamp: _timestamp,
      logger: _logger,
      ...fields
    } = entry.log as kafkajs.LoggerEntryContent & {
      stack?: unknown;
    };
    const clean: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) {
      clean[name] = typeof value === 'string' ? redact(value) : value;
    }
    try {
      sink({
        level: LEVEL_NAME[entry.level] ?? 'debug',
        namespace: entry.namespace,
        message: redact(String(message)),
        fields: clean,
      });
    } catch {
      // A failing log sink must not break the client.
    }
  };
}
