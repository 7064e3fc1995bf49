import { describe, expect, it } from 'vitest';
import { runCli, runCliOk, testBrokers, UNREACHABLE_BROKERS, uniqueTopic } from '../test-support/run-cli.ts';

describe.each(testBrokers())('switchyard topics on $name', ({ name, env }) => {
  it('ensures a topic with partitions and retention, then lists it with its message count', async () => {
    const topic = uniqueTopic('topics');
    const ensured = await runCli(['topics', 'ensure', topic, '--partitions', '3', '--retention', '7d'], {
      env,
    });
    expect(ensured.code, ensured.stderr).toBe(0);
    if (name === 'nats') expect(ensured.stderr).toContain('ignoring partitions 3'); // the adapter says so
    expect(ensured.stdout).toMatch(new RegExp(`created ${topic.replaceAll('.', '\\.')}`));
    expect(ensured.stdout).toMatch(/7d|1w/);

    const published = await runCli(['publish', topic, '--type', 't.created', '--data', '{"n":1}'], { env });
    expect(published.code, published.stderr).toBe(0);

    const listed = await runCli(['topics', `${topic}*`, '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    const [info] = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(info).toMatchObject({
      name: topic,
      partitions: name === 'kafka' ? 3 : 1,
      messages: 1,
      retentionMs: 604_800_000,
    });
  });

  it('changes the retention of an existing topic and says so', async () => {
    const topic = uniqueTopic('topics-update');
    await runCliOk(['topics', 'ensure', topic, '--retention', '1d'], { env });
    const updated = await runCli(['topics', 'ensure', topic, '--retention', '2d', '--json'], { env });
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({
      action: 'ensured',
      topic: { retentionMs: 172_800_000 },
    });
  });

  it('validate-only on a missing topic exits 3 and creates nothing', async () => {
    const topic = uniqueTopic('topics-missing');
    const result = await runCli(['topics', 'ensure', topic, '--strategy', 'validate-only'], { env });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/error: .*does not exist|error: .*No stream/i);
    const listed = await runCli(['topics', topic, '--json'], { env });
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('refuses a bad retention with a usage error', async () => {
    const result = await runCli(['topics', 'ensure', uniqueTopic('x'), '--retention', '7 days'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--retention "7 days" is not a duration');
    expect(result.stderr).toContain('hint: Use a number and a unit');
  });
});

describe('switchyard without a broker', () => {
  it('says how to choose a transport when none is set', async () => {
    const result = await runCli(['topics']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No transport chosen');
    expect(result.stderr).toContain('SWITCHYARD_TRANSPORT');
  });

  it.each(UNREACHABLE_BROKERS)(
    'exits 4 with a clear message when the %s broker is unreachable',
    async (_name, env) => {
      const result = await runCli(['topics'], { env, timeoutMs: 60_000 });
      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(/^error: /m);
      expect(result.stderr).toMatch(/127\.0\.0\.1:1/);
      expect(result.stderr).toContain('hint: Is the broker running?');
    },
  );

  it('prints help with examples and the exit codes', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Exit codes:');
    const ensure = await runCli(['topics', 'ensure', '--help']);
    expect(ensure.stdout).toContain('$ switchyard topics ensure orders --partitions 6 --retention 7d');
  });

  it("describes topics as each transport's: Kafka topics, NATS stream subjects, Redis streams", async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    const help = result.stdout.replace(/\s+/g, ' ');
    expect(help).toContain(
      'topics [pattern] list topics (Kafka topics, NATS stream subjects, Redis streams)',
    );
  });

  it('exits 2 on an unknown option', async () => {
    const result = await runCli(['topics', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--bogus'");
  });
});

describe.each(testBrokers().filter((b) => b.name === 'kafka'))('switchyard on $name', ({ env }) => {
  it('prints no TimeoutNegativeWarning from its own kafkajs admin on the platformatic driver', async () => {
    const result = await runCli(['topics', uniqueTopic('none')], {
      env: { ...env, SWITCHYARD_KAFKA_DRIVER: 'platformatic' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('TimeoutNegativeWarning');
  });
});
