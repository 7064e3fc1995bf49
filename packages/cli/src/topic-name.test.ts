import { describe, expect, it } from 'vitest';
import { publishRaw } from './test-support/broker-clients.ts';
import { jsonError, runCli, testBrokers, UNREACHABLE_BROKERS } from './test-support/run-cli.ts';

describe.each(testBrokers())('a topic name Switchyard refuses, on $name', ({ env }) => {
  it("publish says what is wrong with the name (INVALID_TOPIC), exit 2, not the broker's error", async () => {
    const result = await runCli(['publish', 'x.bad topic', '--type', 't', '--data', '1'], { env });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('error: Invalid topic name "x.bad topic": character " " is not allowed');
    expect(result.stderr).not.toContain('INVALID_TOPIC_EXCEPTION');

    const json = await runCli(['publish', 'x.bad topic', '--type', 't', '--data', '1', '--json'], { env });
    expect(json.code).toBe(2);
    expect(jsonError(json)).toMatchObject({ code: 'INVALID_TOPIC', exitCode: 2 });
  });
});

/** Every command that writes to a topic, each with a name core's rules refuse. */
const COMMANDS: ReadonlyArray<readonly string[]> = [
  ['topics', 'ensure', 'x.bad topic'],
  ['publish', 'a..b', '--type', 't', '--data', '1'],
  ['dlq', 'redrive', 'orders.dlq', '--to', 'orders.>'],
];

describe.each(UNREACHABLE_BROKERS)(
  'a topic name Switchyard refuses, before any %s broker is asked',
  (name, env) => {
    it.each(COMMANDS.map((args) => [args.join(' '), args] as const))(
      'switchyard %s: INVALID_TOPIC, exit 2',
      async (_label, args) => {
        const result = await runCli([...args, '--json'], { env });
        expect(result.code, result.stderr).toBe(2);
        expect(jsonError(result)).toMatchObject({
          code: 'INVALID_TOPIC',
          exitCode: 2,
          message: expect.stringMatching(/^Invalid topic name/),
        });
      },
    );

    it.runIf(name === 'nats')("applies the transport's own rules too: NATS reserves _INBOX", async () => {
      const result = await runCli(['publish', '_INBOX.replies', '--type', 't', '--data', '1'], { env });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/^error: Invalid topic name "_INBOX\.replies"/m);
    });
  },
);

describe.each(testBrokers())('reading a topic by a name Switchyard would refuse, on $name', (broker) => {
  // Reads take any name the broker has: a Redis key with ':', a Kafka topic with '..', made by
  // another tool. Checking them like a bus's topics (for a few commits) made them unreadable.
  const name = { kafka: 'other..tool', nats: 'other..tool', redis: 'other:tool' }[broker.name];
  const topic = `${name}-${Date.now()}`;

  it.runIf(broker.name !== 'nats')(
    'tails it, showing what is not a Switchyard event as undecodable',
    async () => {
      await publishRaw(broker, topic, 'plain text', {});
      const result = await runCli(['tail', topic, '--from', 'earliest', '--no-follow', '--json'], {
        env: broker.env,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('plain text');
    },
  );

  it('says a missing one does not exist, and that a bus would refuse its name', async () => {
    const result = await runCli(['lag', `${name}-missing`], { env: broker.env });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/does not exist/);
    expect(result.stderr).toMatch(/Invalid topic name/);
  });
});
