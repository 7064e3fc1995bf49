import { describe, expect, it } from 'vitest';
import { runCli, testBrokers } from './test-support/run-cli.ts';

describe.each(testBrokers())('a topic name Switchyard refuses, on $name', ({ env }) => {
  it("publish says what is wrong with the name (INVALID_TOPIC), exit 2, not the broker's error", async () => {
    const result = await runCli(['publish', 'x.bad topic', '--type', 't', '--data', '1'], { env });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('error: Invalid topic name "x.bad topic": character " " is not allowed');
    expect(result.stderr).not.toContain('INVALID_TOPIC_EXCEPTION');

    const json = await runCli(['publish', 'x.bad topic', '--type', 't', '--data', '1', '--json'], { env });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr.trim().split('\n').at(-1)!)).toMatchObject({
      error: { code: 'INVALID_TOPIC', exitCode: 2 },
    });
  });
});

/** Every command that takes a topic, each with a name core's rules refuse. */
const COMMANDS: ReadonlyArray<readonly string[]> = [
  ['topics', 'ensure', 'x.bad topic'],
  ['tail', 'orders.*'],
  ['publish', 'a..b', '--type', 't', '--data', '1'],
  ['lag', '.lead'],
  ['dlq', 'list', 'trail.'],
  ['dlq', 'show', 'x/y.dlq'],
  ['dlq', 'redrive', 'orders.dlq', '--to', 'orders.>'],
];

describe.each([
  ['kafka', { SWITCHYARD_TRANSPORT: 'kafka', KAFKA_BROKERS: '127.0.0.1:1' }],
  ['nats', { SWITCHYARD_TRANSPORT: 'nats', NATS_URL: 'nats://127.0.0.1:1' }],
  ['redis', { SWITCHYARD_TRANSPORT: 'redis', REDIS_URL: 'redis://127.0.0.1:1' }],
] as const)('a topic name Switchyard refuses, before any %s broker is asked', (name, env) => {
  it.each(COMMANDS.map((args) => [args.join(' '), args] as const))(
    'switchyard %s: INVALID_TOPIC, exit 2',
    async (_label, args) => {
      const result = await runCli([...args, '--json'], { env });
      expect(result.code, result.stderr).toBe(2);
      expect(JSON.parse(result.stderr.trim().split('\n').at(-1)!)).toMatchObject({
        error: { code: 'INVALID_TOPIC', exitCode: 2, message: expect.stringMatching(/^Invalid topic name/) },
      });
    },
  );

  it.runIf(name === 'nats')("applies the transport's own rules too: NATS reserves _INBOX", async () => {
    const result = await runCli(['tail', '_INBOX.replies'], { env });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^error: Invalid topic name "_INBOX\.replies"/m);
  });
});
