import { type ErrorCode, isEventBusError } from '@switchyard/core';

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

/**
 * Codes of errors the CLI raises itself that core's list has no name for. Every other `code` a
 * `--json` error carries is one of core's `ErrorCode`s, so a script switches on one closed list.
 */
export const CLI_ERROR_CODES = ['GROUP_NOT_FOUND', 'EVENT_NOT_FOUND', 'FILE_NOT_FOUND'] as const;

/** The `code` of every error `switchyard` reports. */
export type CliErrorCode = ErrorCode | (typeof CLI_ERROR_CODES)[number];

/** An error the CLI reports as one clear line (plus an optional hint), a code and a chosen exit code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly code: CliErrorCode;
  readonly hint: string | undefined;

  constructor(
    exitCode: ExitCode,
    code: CliErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.code = code;
    this.hint = options.hint;
  }
}

const withHint = (hint: string | undefined) => (hint === undefined ? {} : { hint });

/** A bad option, argument or environment variable (`INVALID_CONFIG`, exit 2). */
export const usageError = (message: string, hint?: string): CliError =>
  new CliError(EXIT.usage, 'INVALID_CONFIG', message, withHint(hint));

/** Input that is not an event `publish` can send (`INVALID_EVENT`, exit 2). */
export const inputError = (message: string, hint?: string): CliError =>
  new CliError(EXIT.usage, 'INVALID_EVENT', message, withHint(hint));

/** A topic, group, event or file that does not exist (exit 3). */
export const notFound = (
  code: 'TOPIC_NOT_FOUND' | 'GROUP_NOT_FOUND' | 'EVENT_NOT_FOUND' | 'FILE_NOT_FOUND',
  message: string,
  hint?: string,
): CliError => new CliError(EXIT.notFound, code, message, withHint(hint));

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

/** The `code` for any error: ours, the library's, or `INTERNAL` for anything unexpected. */
export function errorCodeOf(error: unknown): CliErrorCode {
  if (error instanceof CliError || isEventBusError(error)) return error.code;
  return 'INTERNAL';
}
