import { setTimeout as sleep } from 'node:timers/promises';
import type { TopicSpec } from '@switchyard/core';
import type { Command } from 'commander';
import type { Backend, TopicInfo } from '../backends/backend.ts';
import type { CommandContext } from '../context.ts';
import { formatDuration, parseCount, parseDuration } from '../durations.ts';
import { EXIT, exitCodeOf, notFound, usageError } from '../exit-codes.ts';
import { examples, type Runner } from '../program.ts';

interface EnsureOptions {
  readonly partitions?: string;
  readonly replicationFactor?: string;
  readonly retention?: string;
  readonly retentionBytes?: string;
  readonly maxMessages?: string;
  readonly cleanup?: 'delete' | 'compact';
  readonly strategy: TopicSpec['strategy'];
}

export function registerTopics(program: Command, runner: Runner): void {
  const topics = program
    .command('topics')
    .argument('[pattern]', "only topics matching this glob ('orders*', '*.dlq')")
    .description(
      'list topics (Kafka topics, NATS stream subjects, Redis streams) with partitions, retention and message counts',
    )
    .addHelpText(
      'after',
      examples(
        'switchyard topics',
        "switchyard topics '*.dlq'",
        'switchyard topics --json | jq -r ".[].name"',
      ),
    )
    .action((pattern: string | undefined, _options, command: Command) =>
      runner.run(command, (ctx) => listTopics(ctx, pattern)),
    );

  topics
    .command('ensure <topic>')
    .description('create a topic, or bring an existing one in line (the library’s ensureTopic)')
    .option('-p, --partitions <n>', 'partitions (Kafka; NATS and Redis streams have none)')
    .option('-r, --retention <duration>', 'how long events are kept: 7d, 36h, forever')
    .option('--retention-bytes <n>', 'size limit per partition (Kafka) or stream (NATS)')
    .option('--max-messages <n>', 'count limit (NATS, Redis)')
    .option('--replication-factor <n>', 'replicas (Kafka replication factor, NATS num_replicas)')
    .option('--cleanup <policy>', 'delete | compact (Kafka)')
    .option('--strategy <strategy>', 'create-or-update | create-only | validate-only', 'create-or-update')
    .addHelpText(
      'after',
      examples(
        'switchyard topics ensure orders --partitions 6 --retention 7d',
        'switchyard topics ensure orders.dlq --partitions 1 --retention 30d',
        'switchyard topics ensure orders --partitions 6 --strategy validate-only   # exit 1 and the differences if it does not match',
      ),
    )
    .action((topic: string, options: EnsureOptions, command: Command) =>
      runner.run(command, (ctx) => ensureTopic(ctx, topic, options)),
    );
}

async function listTopics(ctx: CommandContext, pattern: string | undefined): Promise<void> {
  const glob = pattern === undefined ? undefined : globToRegExp(pattern);
  const topics = await (await ctx.backend()).listTopics(
    glob === undefined ? undefined : (name) => glob.test(name),
  );
  ctx.out.result(topics, () => {
    if (topics.length === 0) return ctx.out.line('No topics.');
    ctx.out.line(
      ctx.out.table(
        ['TOPIC', 'PARTITIONS', 'MESSAGES', 'RETENTION', 'DETAILS'],
        topics.map((t) => [t.name, t.partitions, t.messages, formatDuration(t.retentionMs), details(t)]),
        [1, 2],
      ),
    );
  });
}

async function ensureTopic(ctx: CommandContext, topic: string, options: EnsureOptions): Promise<void> {
  await ctx.checkTopic(topic);
  const strategies = ['create-or-update', 'create-only', 'validate-only'];
  if (!strategies.includes(options.strategy))
    throw usageError(
      `--strategy must be one of ${strategies.join(', ')}, got ${JSON.stringify(options.strategy)}.`,
    );
  if (options.cleanup !== undefined && options.cleanup !== 'delete' && options.cleanup !== 'compact')
    throw usageError(`--cleanup must be delete or compact, got ${JSON.stringify(options.cleanup)}.`);
  const spec: { -readonly [K in keyof TopicSpec]: TopicSpec[K] } = {
    name: topic,
    strategy: options.strategy,
  };
  if (options.partitions !== undefined) spec.partitions = parseCount(options.partitions, '--partitions');
  if (options.replicationFactor !== undefined)
    spec.replicationFactor = parseCount(options.replicationFactor, '--replication-factor');
  if (options.retention !== undefined)
    spec.retentionMs = parseDuration(options.retention, '--retention', true);
  if (options.retentionBytes !== undefined)
    spec.retentionBytes = parseCount(options.retentionBytes, '--retention-bytes');
  if (options.maxMessages !== undefined) spec.maxMessages = parseCount(options.maxMessages, '--max-messages');
  if (options.cleanup !== undefined) spec.cleanupPolicy = options.cleanup;

  const backend = await ctx.backend();
  const before = await backend.describeTopic(topic);
  const { bus } = await ctx.bus();
  await bus.ensureTopic(spec);
  const after = await describeOnceServed(backend, topic);
  const action =
    before === undefined ? 'created' : options.strategy === 'validate-only' ? 'matches' : 'ensured';
  ctx.out.result({ action, topic: after }, () => {
    ctx.out.line(`${ctx.out.c.green(action)} ${topic}`);
    ctx.out.line(
      ctx.out.table(
        ['TOPIC', 'PARTITIONS', 'MESSAGES', 'RETENTION', 'DETAILS'],
        [[after.name, after.partitions, after.messages, formatDuration(after.retentionMs), details(after)]],
        [1, 2],
      ),
    );
  });
}

/** How long `topics ensure` waits for a topic it made to be listed and served by the brokers. */
const SERVED_WITHIN_MS = 30_000;

/**
 * The topic as the brokers describe it after `ensureTopic`. A Kafka broker lists a new topic and
 * answers for its partitions a moment after CreateTopics returns, and on a busy machine that moment
 * grows: a describe in between answers "unknown topic" (CI once exited 3 so). Asked again until it
 * answers or the wait is over.
 */
async function describeOnceServed(backend: Backend, topic: string): Promise<TopicInfo> {
  const deadline = Date.now() + SERVED_WITHIN_MS;
  for (;;) {
    const found = await backend.describeTopic(topic).catch((error: unknown) => {
      if (exitCodeOf(error) !== EXIT.notFound || Date.now() > deadline) throw error;
      return undefined;
    });
    if (found !== undefined) return found;
    if (Date.now() > deadline)
      throw notFound(
        'TOPIC_NOT_FOUND',
        `Topic ${topic} does not exist ${SERVED_WITHIN_MS / 1000} s after ensureTopic.`,
      );
    await sleep(250);
  }
}

function details(topic: TopicInfo): string {
  return Object.entries(topic.details)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** `orders*` → /^orders.*$/: `*` is any run of characters, `?` one character, the rest literal. */
export function globToRegExp(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`);
}
