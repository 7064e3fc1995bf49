import { Command, Option } from 'commander';
import { BACKENDS } from './backends/backend.ts';
import { registerDlq } from './commands/dlq.ts';
import { registerHealth } from './commands/health.ts';
import { registerLag } from './commands/lag.ts';
import { registerPublish } from './commands/publish.ts';
import { registerTail } from './commands/tail.ts';
import { registerTopics } from './commands/topics.ts';
import { CommandContext, type GlobalOptions } from './context.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import type { Streams } from './output.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Runs a command's body with its context, and closes the context whatever happens. */
export interface Runner {
  /** `body` resolves with an exit code, or with nothing for "ok" (or "interrupted" after Ctrl-C). */
  run(
    command: Command,
    body: (ctx: CommandContext) => Promise<ExitCode | undefined> | Promise<void>,
  ): Promise<void>;
}

const EXIT_CODES_HELP = `
Exit codes:
  0    ok
  1    failure: the command ran but something failed (a publish refused, health not ok, an entry not moved)
  2    usage: bad option, argument, duration, time, topic name or JSON input
  3    not found: topic, stream, group, event id or file
  4    broker unreachable
  5    authentication or authorization refused
  6    partial: finished, but left dead letters that cannot be redriven yet (see the tally)
  130  interrupted (Ctrl-C) after the step in flight`;

const ENV_HELP = `
Environment (the same variables as @switchyard/core/di):
  SWITCHYARD_TRANSPORT   kafka | nats | redis              (--transport)
  KAFKA_BROKERS          host:port,host:port               (--brokers)
  SWITCHYARD_KAFKA_*     TLS, SASL, timeouts: see @switchyard/adapter-kafka
  NATS_URL               nats://host:4222                  (--nats-url)
  SWITCHYARD_NATS_*      credentials, TLS, timeouts: see @switchyard/adapter-nats
  REDIS_URL              redis://[user[:password]@]host:6379  (--redis-url)
  SWITCHYARD_REDIS_*     ACL user, TLS, stream prefix: see @switchyard/adapter-redis
  SWITCHYARD_SOURCE      CloudEvents source of published events (default switchyard-cli)`;

/**
 * The `switchyard` program. `exitCode` receives what the command decided; errors propagate (with
 * `json`, commander's parse errors are not printed: the caller reports them as JSON).
 */
export function buildProgram(
  streams: Streams,
  env: Env,
  signal: AbortSignal,
  json: boolean,
  exitCode: (code: ExitCode) => void,
): Command {
  const program = new Command('switchyard')
    .description('Operate Switchyard event buses: topics, tail, publish, lag, dead letters, health.')
    .version('0.1.0')
    .addOption(new Option('-t, --transport <name>', 'broker to talk to').choices([...BACKENDS]))
    .option('--brokers <list>', 'Kafka brokers, comma-separated (KAFKA_BROKERS)')
    .option('--nats-url <url>', 'NATS server URL(s), comma-separated (NATS_URL)')
    .option('--redis-url <url>', 'Redis server URL, redis:// or rediss:// (REDIS_URL)')
    .option('--source <name>', 'CloudEvents source of published events (SWITCHYARD_SOURCE)')
    .option('--json', 'machine-readable output: one JSON document, or JSON lines for streams')
    .option('--no-color', 'no colours (also NO_COLOR)')
    .option('--progress', 'always show progress bars (default: when stderr is a terminal)')
    .option('--no-progress', 'never show progress bars')
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
      // Under --json, main() reports a parse error as JSON instead.
      ...(json ? { outputError: () => undefined } : {}),
    })
    .showHelpAfterError(json ? false : '(run with --help for usage)')
    .exitOverride()
    .addHelpText('after', `${ENV_HELP}\n${EXIT_CODES_HELP}`);

  const runner: Runner = {
    async run(command, body) {
      const ctx = new CommandContext(streams, env, command.optsWithGlobals<GlobalOptions>(), signal);
      try {
        const code = await body(ctx);
        exitCode(typeof code === 'number' ? code : signal.aborted ? EXIT.interrupted : EXIT.ok);
      } finally {
        await ctx.close();
      }
    },
  };
  registerTopics(program, runner);
  registerTail(program, runner);
  registerPublish(program, runner);
  registerLag(program, runner);
  registerDlq(program, runner);
  registerHealth(program, runner);
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** Help text listing examples, for `.addHelpText('after', examples(...))`. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
