import { describe, expect, it } from 'vitest';
import {
  applicationBus,
  eventually,
  kafkaGroups,
  publishRaw,
  streamGroups,
} from '../test-support/broker-clients.ts';
import { jsonLines, runCli, runCliOk, startCli, testBrokers, uniqueTopic } from '../test-support/run-cli.ts';

describe.each(testBrokers())('switchyard tail on $name', (broker) => {
  const { name, env } = broker;

  async function seeded(label: string): Promise<string> {
    const topic = uniqueTopic(label);
    await runCliOk(['topics', 'ensure', topic, '--partitions', '2'], { env });
    const input = [
      { type: 'order.placed', key: 'o-1', data: { orderId: 'o-1', total: 10 } },
      { type: 'order.placed', key: 'o-2', data: { orderId: 'o-2', total: 20 } },
      { type: 'order.cancelled', key: 'o-1', data: { orderId: 'o-1' } },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    await runCliOk(['publish', topic], { env, input });
    return topic;
  }

  it('prints attributes, key, headers and pretty data, from the earliest event to the end', async () => {
    const topic = await seeded('tail-print');
    const result = await runCli(['tail', topic, '--from', 'earliest', '--no-follow', '--key', 'o-2'], {
      env,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`── ${topic}`);
    expect(result.stdout).toMatch(/order\.placed {2}id \S+ {2}key o-2/);
    expect(result.stdout).toContain('source=switchyard-cli');
    expect(result.stdout).toContain('datacontenttype=application/json');
    expect(result.stdout).toContain('{\n  "orderId": "o-2",\n  "total": 20\n}');
  });

  it('filters by type and key and stops at --limit', async () => {
    const topic = await seeded('tail-filter');
    const byType = jsonLines(
      (
        await runCli(
          ['tail', topic, '--from', 'earliest', '--no-follow', '--type', 'order.placed', '--json'],
          { env },
        )
      ).stdout,
    );
    expect(byType.map((e) => e.key).sort()).toEqual(['o-1', 'o-2']);
    const byKey = jsonLines(
      (await runCli(['tail', topic, '--from', 'earliest', '--no-follow', '--key', 'o-1', '--json'], { env }))
        .stdout,
    );
    expect(byKey.map((e) => (e.event as { type: string }).type)).toEqual(['order.placed', 'order.cancelled']);
    const limited = await runCli(['tail', topic, '--from', 'earliest', '--limit', '2', '--json'], { env });
    expect(limited.code).toBe(0);
    expect(jsonLines(limited.stdout)).toHaveLength(2);
  });

  it('follows events published after it started, from a point in time', async () => {
    const topic = await seeded('tail-follow');
    const since = new Date().toISOString();
    const tail = startCli(['tail', topic, '--from', since, '--limit', '2', '--json'], { env });
    const input = ['{"n":1}', '{"n":2}'].join('\n');
    await runCliOk(['publish', topic, '--type', 'late', '--key', 'k'], { env, input });
    const result = await tail.done;
    expect(result.code, result.stderr).toBe(0);
    expect(jsonLines(result.stdout).map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('shows a message that is not a CloudEvent as undecodable, with its headers and value', async () => {
    const topic = await seeded('tail-raw');
    await publishRaw(broker, topic, 'plain text, no envelope', { 'x-producer': 'legacy' });
    const result = await runCli(['tail', topic, '--from', 'earliest', '--no-follow'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /undecodable: Not a CloudEvent in binary mode: header ce.id, ce.type or ce.source is missing/,
    );
    expect(result.stdout).toContain('x-producer=legacy');
    expect(result.stdout).toContain('value (23 bytes, utf8): plain text, no envelope');
    const [view] = jsonLines(
      (await runCli(['tail', topic, '--from', 'earliest', '--no-follow', '--json'], { env })).stdout,
    ).filter((v) => v.decoded === false);
    expect(view).toMatchObject({ decoded: false, value: 'plain text, no envelope', valueEncoding: 'utf8' });
  });

  it("leaves an application's consumer group as it was, and no group or consumer of its own", async () => {
    const topic = await seeded('tail-groups');
    const bus = applicationBus(broker);
    let handled = 0;
    await bus.subscribe(topic, () => void handled++, { group: 'billing' });
    await eventually(() => handled === 3, 30_000, 'the application handled the 3 events');
    await bus.close();
    const lagBefore = await runCli(['lag', topic, '--group', 'billing', '--json'], { env });

    const result = await runCli(['tail', topic, '--from', 'earliest', '--no-follow', '--json'], { env });
    expect(jsonLines(result.stdout)).toHaveLength(3);

    const lagAfter = await runCli(['lag', topic, '--group', 'billing', '--json'], { env });
    expect(JSON.parse(lagAfter.stdout).groups).toEqual(JSON.parse(lagBefore.stdout).groups);
    if (name === 'kafka') {
      const groups = await runCli(['lag', topic, '--json'], { env });
      expect(JSON.parse(groups.stdout).groups.map((g: { group: string }) => g.group)).toEqual(['billing']);
    } else {
      expect(await streamGroups(broker, topic)).toEqual(['billing']);
    }
  });

  it('exits 3 for a topic that does not exist', async () => {
    const result = await runCli(['tail', uniqueTopic('tail-missing'), '--no-follow'], { env });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/error: Topic \S+ does not exist/);
  });

  it('exits 2 for a --from that is neither a position nor a time', async () => {
    const result = await runCli(['tail', 'whatever', '--from', 'yesterday'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--from "yesterday" is neither an ISO 8601 time nor a duration');
  });
});

// Kafka's throwaway groups are deleted on exit: none of this process's runs left one behind.
describe.each(testBrokers().filter((b) => b.name === 'kafka'))(
  'switchyard tail on kafka, afterwards',
  (broker) => {
    it('has deleted its throwaway group', async () => {
      const topic = uniqueTopic('tail-cleanup');
      await runCliOk(['topics', 'ensure', topic], { env: broker.env });
      await runCliOk(['publish', topic, '--type', 't', '--data', '1'], { env: broker.env });
      const before = new Set(await kafkaGroups(broker, 'switchyard-cli-'));
      const result = await runCli(['tail', topic, '--from', 'earliest', '--no-follow', '--json'], {
        env: broker.env,
      });
      expect(jsonLines(result.stdout)).toHaveLength(1);
      const after = (await kafkaGroups(broker, 'switchyard-cli-')).filter((g) => !before.has(g));
      expect(after).toEqual([]);
    });
  },
);
