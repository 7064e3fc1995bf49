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
 * kafkajs' lines for each attempt to reach a broker. Until the transport's first connect has
 * succeeded they are written at `debug`: the transport reports the outcome itself, once, with the
 * last error and what to do (`CONNECTION_FAILED … Check that the brokers are reachable …`), where
 * kafkajs wrote a dozen lines for a broker that is down. After it, a lost broker's first line keeps
 * its level and the next ones for `CONNECT_ATTEMPT_QUIET_MS` go to `debug`: kafkajs' producer,
 * consumer and admin clients each try again on their own, ~10 lines a second while the brokers
 * are gone, and the failed publishes are reported anyway.
 */
const CONNECT_ATTEMPT = [
  /^Connection error/,
  /^Connection timeout/,
  /^Failed to connect to seed broker/,
  // A listener that wants TLS (or is not Kafka) closes each new connection at once.
  /^Closed connection/,
];
export const CONNECT_ATTEMPT_QUIET_MS = 30_000;

/**
 * Routes kafkajs' log lines through the transport's log (level filter, secrets replaced, the
 * `[switchyard:kafka]` prefix), as `[<namespace>] <message>` with kafkajs' fields; stacks,
 * timestamps and kafkajs' own logger name are dropped. `firstConnect` says whether the transport
 * has yet to connect for the first time.
 */
export function logCreatorFor(
  log: Log,
  firstConnect: () => boolean = () => false,
  now: () => number = Date.now,
): kafkajs.logCreator {
  let loudAttemptAt = Number.NEGATIVE_INFINITY;
  /** Whether a line about an attempt to reach a broker goes to `debug` (and notes one that does not). */
  const quietAttempt = (): boolean => {
    if (firstConnect()) return true;
    const at = now();
    if (at - loudAttemptAt < CONNECT_ATTEMPT_QUIET_MS) return true;
    loudAttemptAt = at;
    return false;
  };
  return () => (entry) => {
    const {
      message,
      stack: _stack,
      timestamp: _timestamp,
      logger: _logger,
      ...fields
    } = entry.log as kafkajs.LoggerEntryContent & { stack?: unknown };
    const text = String(message);
    const attempt = CONNECT_ATTEMPT.some((pattern) => pattern.test(text));
    const routine = ROUTINE.some((pattern) => pattern.test(text)) || (attempt && quietAttempt());
    const level = routine ? 'debug' : (LEVEL_NAME[entry.level] ?? 'debug');
    const note =
      attempt && !routine
        ? ` (more attempts to reach a broker in the next ${CONNECT_ATTEMPT_QUIET_MS / 1000} s are logged at debug)`
        : '';
    log(level, `[${entry.namespace}] ${text}${note}`, fields);
  };
}
