import { describe, expect, it } from 'vitest';
import { jsonError, runCli, runCliOk, testBrokers, uniqueTopic } from './test-support/run-cli.ts';

describe.each(testBrokers())('switchyard --json errors on $name', ({ env }) => {
  it('a topic that does not exist: TOPIC_NOT_FOUND, exit 3', async () => {
    const result = await runCli(['tail', uniqueTopic('json-missing'), '--no-follow', '--json'], { env });
    expect(result.code).toBe(3);
    expect(jsonError(result)).toMatchObject({
      exitCode: 3,
      code: 'TOPIC_NOT_FOUND',
      message: expect.stringContaining('does not exist'),
      hint: expect.any(String),
    });
  });

  it('a bad --from value: INVALID_CONFIG, exit 2', async () => {
    const result = await runCli(['tail', uniqueTopic('json-from'), '--from', 'yesterday', '--json'], {
      env,
    });
    expect(result.code).toBe(2);
    expect(jsonError(result)).toMatchObject({
      exitCode: 2,
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('--from "yesterday"'),
    });
  });

  it('input that is not an event: INVALID_EVENT, exit 2', async () => {
    const result = await runCli(['publish', uniqueTopic('json-input'), '--type', 't', '--json'], {
      env,
      input: '{"a":1}\n{"a":\n',
    });
    expect(result.code).toBe(2);
    expect(jsonError(result)).toMatchObject({
      exitCode: 2,
      code: 'INVALID_EVENT',
      message: expect.stringContaining('stdin line 2 is not JSON'),
    });
  });

  it('a group with no position: GROUP_NOT_FOUND, and an event id not there: EVENT_NOT_FOUND, exit 3', async () => {
    const topic = uniqueTopic('json-group');
    await runCliOk(['topics', 'ensure', topic], { env });
    const group = await runCli(['lag', topic, '--group', 'nobody', '--json'], { env });
    expect(group.code).toBe(3);
    expect(jsonError(group)).toMatchObject({ exitCode: 3, code: 'GROUP_NOT_FOUND' });

    const show = await runCli(['dlq', 'show', topic, '--id', 'no-such-id', '--json'], { env });
    expect(show.code).toBe(3);
    expect(jsonError(show)).toMatchObject({ exitCode: 3, code: 'EVENT_NOT_FOUND' });
  });

  it('a --file that does not exist: FILE_NOT_FOUND, exit 3', async () => {
    const result = await runCli(
      ['publish', uniqueTopic('json-file'), '--file', '/nonexistent/e.jsonl', '--json'],
      {
        env,
      },
    );
    expect(result.code).toBe(3);
    expect(jsonError(result)).toMatchObject({ exitCode: 3, code: 'FILE_NOT_FOUND' });
  });
});

describe('switchyard --json errors before any broker', () => {
  it('no transport chosen: INVALID_CONFIG, exit 2', async () => {
    const result = await runCli(['topics', '--json']);
    expect(result.code).toBe(2);
    expect(jsonError(result)).toMatchObject({
      exitCode: 2,
      code: 'INVALID_CONFIG',
      message: 'No transport chosen.',
      hint: expect.stringContaining('SWITCHYARD_TRANSPORT'),
    });
  });

  it('an unknown option or a missing argument: JSON, not text, with INVALID_CONFIG, exit 2', async () => {
    const unknown = await runCli(['tail', 'orders', '--fro', '1h', '--json']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(jsonError(unknown)).toMatchObject({
      exitCode: 2,
      code: 'INVALID_CONFIG',
      message: "unknown option '--fro'",
      hint: expect.stringContaining('--from'),
    });

    const missing = await runCli(['tail', '--json']);
    expect(missing.code).toBe(2);
    expect(jsonError(missing)).toMatchObject({
      exitCode: 2,
      code: 'INVALID_CONFIG',
      message: "missing required argument 'topic'",
    });
  });
});
