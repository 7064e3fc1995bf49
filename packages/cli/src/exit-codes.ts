import { isEventBusError } from '@switchyard/core';

/**
 * What `switchyard` exits with. Scripts may rely on these numbers; they are listed in the README
 * and in `switchyard --help`.
 */
export const EXIT = {
  /** The command did what was asked. */
  ok: 0,
  /** It ran, but something failed: a publish was refused, a redrive could not move an entry, health is not ok. */
  failure: 1,
  /** Bad arguments or input: an unknown option, a bad duration or time, JSON that does not parse. */
  usage: 2,
  /** A topic, stream, group or event id that does not exist. */
  notFound: 3,
  /** The broker could not be reached (refused, timed out, name not resolved). */
  unreachable: 4,
  /** The broker refused the credentials or the operation. */
  auth: 5,
  /** Finished, but left entries behind on purpose: dead letters that cannot be redriven yet (see the tally). */
  partial: 6,
  /** Stopped by Ctrl-C (SIGINT) after finishing the step in flight. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one clear line (plus an optional hint) and a chosen exit code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(exitCode: ExitCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

export const usageError = (message: string, hint?: string): CliError =>
  new CliError(EXIT.usage, message, hint === undefined ? {} : { hint });

export const notFound = (message: string, hint?: string): CliError =>
  new CliError(EXIT.notFound, message, hint === undefined ? {} : { hint });

const BY_CODE: Readonly<Record<string, ExitCode>> = {
  CONNECTION_FAILED: EXIT.unreachable,
  NOT_CONNECTED: EXIT.unreachable,
  AUTHENTICATION_FAILED: EXIT.auth,
  AUTHORIZATION_FAILED: EXIT.auth,
  TOPIC_NOT_FOUND: EXIT.notFound,
  INVALID_CONFIG: EXIT.usage,
  INVALID_TOPIC: EXIT.usage,
  INVALID_EVENT: EXIT.usage,
  EVENT_TOO_LARGE: EXIT.usage,
};

/** The exit code for any error: ours, the library's `EventBusError` codes, or a raw client's. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (isEventBusError(error)) return BY_CODE[error.code] ?? EXIT.failure;
  return EXIT.failure;
}
