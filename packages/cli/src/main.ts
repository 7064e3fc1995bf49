import { isEventBusError } from '@switchyard/core';
import { CommanderError } from 'commander';
import { CliError, EXIT, type ExitCode, errorCodeOf, exitCodeOf, usageError } from './exit-codes.ts';
import type { Streams } from './output.ts';
import { buildProgram } from './program.ts';

const HINTS: Partial<Record<ExitCode, string>> = {
  [EXIT.unreachable]:
    'Is the broker running? Check SWITCHYARD_TRANSPORT and KAFKA_BROKERS / NATS_URL / REDIS_URL (or --brokers / --nats-url / --redis-url).',
  [EXIT.auth]:
    'Check the credentials: SWITCHYARD_KAFKA_SASL_*, SWITCHYARD_NATS_USER / _PASSWORD / _TOKEN, or the REDIS_URL user and password.',
};

/**
 * Runs `switchyard` with `argv` (without node and the script) and resolves with the exit code.
 * The first Ctrl-C stops the command after the step in flight; a second one exits at once.
 */
export async function main(
  argv: readonly string[],
  streams: Streams = process,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ExitCode> {
  const interrupt = new AbortController();
  const onSigint = () => {
    if (interrupt.signal.aborted) process.exit(EXIT.interrupted);
    streams.stderr.write('\nStopping after the step in flight (Ctrl-C again to quit at once)…\n');
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  // `switchyard tail … | head`: the reader went away, which ends the command, not an error.
  streams.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok);
    throw error;
  });
  let code: ExitCode = EXIT.ok;
  const json = argv.includes('--json');
  try {
    await buildProgram(streams, env, interrupt.signal, json, (c) => {
      code = c;
    }).parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors. Commander printed its message already, except under --json.
      if (error.exitCode === 0) return EXIT.ok;
      return json ? report(fromCommander(error), streams, json) : EXIT.usage;
    }
    return report(error, streams, json);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function report(error: unknown, streams: Streams, json: boolean): ExitCode {
  const exitCode = exitCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const hint = error instanceof CliError ? error.hint : HINTS[exitCode];
  if (json) {
    const code = errorCodeOf(error);
    streams.stderr.write(
      `${JSON.stringify({ error: { message, exitCode, code, ...(hint ? { hint } : {}) } })}\n`,
    );
  } else {
    streams.stderr.write(`error: ${message}\n${hint === undefined ? '' : `hint: ${hint}\n`}`);
    if (
      exitCode === EXIT.failure &&
      !(error instanceof CliError) &&
      !isEventBusError(error) &&
      error instanceof Error
    ) {
      streams.stderr.write(`${error.stack ?? ''}\n`); // an unexpected failure: the stack helps a bug report
    }
  }
  return exitCode;
}

/**
 * Commander's parse error (`error: unknown option '--fro'\n(Did you mean --from?)`) as the CLI's
 * usage error: its first line the message, the lines after it (a suggestion) the hint.
 */
function fromCommander(error: CommanderError): CliError {
  if (error.code === 'commander.help') return usageError('No command given.', 'Run switchyard --help.');
  const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n');
  const suggestion = rest.map((line) => line.replace(/^\((.*)\)$/, '$1')).join(' ');
  return usageError(first, suggestion === '' ? 'Run with --help for usage.' : suggestion);
}
