/**
 * The one logger shape of core and every adapter. `console` fits as it is (`logger: console`), and
 * so do pino's and winston's loggers; `debug` and `info` are optional.
 */
export interface Logger {
  debug?(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info?(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** How much a transport logs. @default 'warn' in every adapter */
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

export const LOG_LEVELS: readonly LogLevel[] = ['silent', 'error', 'warn', 'info', 'debug'];

/** A transport's own log function: level-filtered, secrets replaced by `***`, a failing sink ignored. */
export type Log = (
  level: Exclude<LogLevel, 'silent'>,
  message: string,
  fields?: Readonly<Record<string, unknown>>,
) => void;

const RANK: Readonly<Record<LogLevel, number>> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** Writes `[switchyard:<name>] message` lines at or above `level` to `logger`. */
export function createLog(
  name: string,
  logger: Logger | undefined,
  level: LogLevel,
  secrets: readonly string[] = [],
): Log {
  if (logger === undefined || level === 'silent') return () => {};
  const prefix = `[switchyard:${name}] `;
  return (lineLevel, message, fields) => {
    if (RANK[lineLevel] > RANK[level]) return;
    const write = logger[lineLevel];
    if (write === undefined) return;
    try {
      const text = prefix + redactSecrets(message, secrets);
      if (fields === undefined) write.call(logger, text);
      else write.call(logger, text, JSON.parse(redactSecrets(JSON.stringify(fields), secrets)));
    } catch {
      // A failing log sink must not break the transport.
    }
  };
}

/** `text` with every secret (of 3 characters or more) replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join('***');
  return out;
}
