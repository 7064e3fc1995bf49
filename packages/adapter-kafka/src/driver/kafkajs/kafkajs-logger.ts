// Must load before kafkajs: see kafkajs-encoder-patch.ts.
import './kafkajs-encoder-patch.ts';
import type { LogLevel } from '@switchyard/core';
import type { Log } from '@switchyard/core/transport';
import kafkajs from 'kafkajs';

const { logLevel } = kafkajs;

/** kafkajs' own level for ours, so it does not even build the lines we would drop. */
export const KAFKAJS_LEVEL: Readonly<Record<LogLevel, kafkajs.logLevel>> = {
  silent: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

const LEVEL_NAME: Readonly<Record<number, 'error' | 'warn' | 'info' | 'debug'>> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs lines that are routine here, written at `debug` whatever kafkajs' level: a broker's
 * error response (kafkajs logs each at ERROR, e.g. metadata of a topic about to be created; the
 * request's own result carries it to publish, health and `onError`), and the warning about
 * bounded retries of the idempotent producer (bounded on purpose: after a failed batch the
 * producer starts a new session, so no sequence number is reused).
 */
const ROUTINE = [/^Response \w+\(key: \d+/, /^Limiting retries for the idempotent producer/];

/**
 * Routes kafkajs' log lines through the transport's log (level filter, secrets replaced, the
 * `[switchyard:kafka]` prefix), as `[<namespace>] <message>` with kafkajs' fields; stacks,
 * timestamps and kafkajs' own logger name are dropped.
 */
export function logCreatorFor(log: Log): kafkajs.logCreator {
  return () => (entry) => {
    const {
      message,
      stack: _stack,
      timestamp: _timestamp,
      logger: _logger,
      ...fields
    } = entry.log as kafkajs.LoggerEntryContent & { stack?: unknown };
    const text = String(message);
    const level = ROUTINE.some((pattern) => pattern.test(text))
      ? 'debug'
      : (LEVEL_NAME[entry.level] ?? 'debug');
    log(level, `[${entry.namespace}] ${text}`, fields);
  };
}
