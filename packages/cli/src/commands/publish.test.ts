import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli, runCliOk, testBrokers, uniqueTopic } from '../test-support/run-cli.ts';

describe.each(testBrokers())('switchyard publish on $name', (broker) => {
  const { name, env } = broker;
  const ensure = async (topic: string) =>
    await runCliOk(['topics', 'ensure', topic, '--partitions', '2'], { env });
  const count = async (topic: string) =>
    jsonLines((await runCli(['tail', topic, '--from', 'earliest', '--no-follow', '--json'], { env })).stdout)
      .length;

  it('publishes one event and prints where the broker put it', async () => {
    const topic = uniqueTopic('publish-one');
    await ensure(topic);
    const result = await runCli(
      [
        'publish',
        topic,
        '--type',
        'order.placed',
        '--key',
        'o-1',
        '--header',
        'x-origin=ops',
        '--data',
        '{"orderId":"o-1","total":42}',
        '--json',
      ],
      { env },
    );
    expect(result.code, result.stderr).toBe(0);
    const [receipt] = jsonLines(result.stdout);
    expect(receipt).toMatchObject({
      ok: true,
      topic,
      type: 'order.placed',
      key: 'o-1',
      id: expect.any(String),
    });
    if (name === 'kafka')
      expect(receipt).toMatchObject({ partition: expect.any(Number), offset: expect.any(String) });
    else if (name === 'nats')
      expect(receipt).toMatchObject({ stream: expect.any(String), sequence: 1, duplicate: false });
    else expect(receipt).toMatchObject({ stream: topic, offset: expect.stringMatching(/^\d+-\d+$/) });

    const [event] = jsonLines(
      (await runCli(['tail', topic, '--from', 'earliest', '--no-follow', '--json'], { env })).stdout,
    );
    expect(event).toMatchObject({
      key: 'o-1',
      event: {
        id: receipt!.id,
        type: 'order.placed',
        source: 'switchyard-cli',
        datacontenttype: 'application/json',
      },
      headers: { 'x-origin': 'ops' },
      data: { orderId: 'o-1', total: 42 },
    });
  });

  it('publishes a file of many with a receipt each, a progress bar with a rate, and a tally', async () => {
    const topic = uniqueTopic('publish-file');
    await ensure(topic);
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-cli-'));
    const file = join(dir, 'orders.jsonl');
    const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ orderId: `o-${i}`, total: i }));
    await writeFile(file, `${lines.join('\n')}\n`);
    const result = await runCli(
      ['publish', topic, '--type', 'order.placed', '--key-field', 'orderId', '--file', file, '--progress'],
      { env },
    );
    expect(result.code, result.stderr).toBe(0);
    const receipts = result.stdout.split('\n').filter((l) => l.startsWith('published '));
    expect(receipts).toHaveLength(500);
    expect(new Set(receipts.map((r) => r.split(' ')[1])).size).toBe(500);
    expect(result.stdout).toMatch(/500 published, 0 failed, in [\d.]+ s \([\d,]+ ev\/s\)/);
    expect(result.stderr).toMatch(/publish .* 500\/500 100% \| [\d,]+ ev\/s/);
    expect(await count(topic)).toBe(500);
  });

  it('reads event objects from stdin, one per line', async () => {
    const topic = uniqueTopic('publish-stdin');
    await ensure(topic);
    const input = [
      { type: 'order.placed', key: 'o-1', data: { orderId: 'o-1' } },
      {
        type: 'order.cancelled',
        key: 'o-1',
        id: 'fixed-id-1',
        subject: 'orders/o-1',
        data: { orderId: 'o-1' },
      },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const result = await runCli(['publish', topic, '--json'], { env, input });
    expect(result.code, result.stderr).toBe(0);
    expect(jsonLines(result.stdout).map((r) => r.type)).toEqual(['order.placed', 'order.cancelled']);
    const events = jsonLines<{ event: Record<string, string> }>(
      (
        await runCli(
          ['tail', topic, '--from', 'earliest', '--no-follow', '--json', '--type', 'order.cancelled'],
          { env },
        )
      ).stdout,
    );
    expect(events.map((e) => e.event)).toEqual([
      expect.objectContaining({ id: 'fixed-id-1', subject: 'orders/o-1', key: 'o-1' }),
    ]);
  });

  it('refuses a file with a bad JSON line, naming the line, and publishes nothing', async () => {
    const topic = uniqueTopic('publish-bad');
    await ensure(topic);
    const result = await runCli(['publish', topic, '--type', 't'], {
      env,
      input: '{"a":1}\n{"a":\n{"a":3}\n',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: stdin line 2 is not JSON');
    expect(result.stderr).toContain('nothing was published');
    expect(await count(topic)).toBe(0);
  });

  it('refuses input with a time that is not RFC 3339, naming the line, and publishes nothing', async () => {
    // The bus refuses such a time per event: the lines before it were published before the error.
    const topic = uniqueTopic('publish-bad-time');
    await ensure(topic);
    const input = [
      { type: 'order.placed', data: { n: 1 } },
      { type: 'order.placed', data: { n: 2 }, time: 'yesterday' },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const result = await runCli(['publish', topic], { env, input });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: stdin line 2: `time` must be an RFC 3339 timestamp/);
    expect(result.stderr).toContain('nothing was published');
    expect(await count(topic)).toBe(0);
  });

  it('exits 3 for a topic that does not exist, and creates nothing', async () => {
    const topic = uniqueTopic('publish-missing');
    const result = await runCli(['publish', topic, '--type', 't', '--data', '1'], { env });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: Topic ${topic} does not exist`);
    expect(result.stderr).toContain(`switchyard topics ensure ${topic}`);
    expect(JSON.parse((await runCli(['topics', topic, '--json'], { env })).stdout)).toEqual([]);
  });

  it('exits 2 when --data has no --type', async () => {
    const result = await runCli(['publish', uniqueTopic('x'), '--data', '{}'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--data needs --type');
  });
});
