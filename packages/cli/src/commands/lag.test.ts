import { describe, expect, it } from 'vitest';
import { applicationBus, eventually } from '../test-support/broker-clients.ts';
import { jsonLines, runCli, runCliOk, startCli, testBrokers, uniqueTopic } from '../test-support/run-cli.ts';

describe.each(testBrokers())('switchyard lag on $name', (broker) => {
  const { name, env } = broker;
  const publish = async (topic: string, count: number) => {
    const input = Array.from({ length: count }, (_, i) => JSON.stringify({ n: i })).join('\n');
    expect(
      (await runCli(['publish', topic, '--type', 'tick', '--key-field', 'n'], { env, input })).code,
    ).toBe(0);
  };

  it("shows each group's lag per partition, and the events a stopped group has not taken", async () => {
    const topic = uniqueTopic('lag');
    await runCliOk(['topics', 'ensure', topic, '--partitions', '2'], { env });
    await publish(topic, 5);
    const bus = applicationBus(broker);
    let billed = 0;
    let shipped = 0;
    await bus.subscribe(topic, () => void billed++, { group: 'billing' });
    await bus.subscribe(topic, () => void shipped++, { group: 'shipping' });
    await eventually(() => billed === 5 && shipped === 5, 30_000, 'both groups handled the 5 events');
    await bus.close();
    await publish(topic, 3);

    const result = await runCli(['lag', topic, '--group', 'billing', '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ topic, total: 3, groups: [{ group: 'billing', lag: 3 }] });
    expect(report.groups[0].partitions).toHaveLength(name === 'kafka' ? 2 : 1);

    const all = await runCli(['lag', topic], { env });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/GROUP\s+PARTITION\s+COMMITTED\s+END\s+LAG/);
    expect(all.stdout).toMatch(/total lag billing: 3.*shipping: 3/);
  });

  it('refreshes with --watch until Ctrl-C, then exits 0', async () => {
    const topic = uniqueTopic('lag-watch');
    await runCliOk(['topics', 'ensure', topic], { env });
    await publish(topic, 2);
    const bus = applicationBus(broker);
    let handled = 0;
    await bus.subscribe(topic, () => void handled++, { group: 'billing' });
    await eventually(() => handled === 2, 30_000, 'billing handled the 2 events');
    await bus.close();

    const watch = startCli(['lag', topic, '--group', 'billing', '--watch', '--interval', '200ms', '--json'], {
      env,
    });
    await eventually(() => jsonLines(watch.stdout()).length >= 2, 30_000, 'two refreshes');
    watch.child.kill('SIGINT');
    const result = await watch.done;
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).every((r) => r.total === 0)).toBe(true);
  });

  it('exits 3 for a group with no position on the topic, and for an unknown topic', async () => {
    const topic = uniqueTopic('lag-missing');
    await runCliOk(['topics', 'ensure', topic], { env });
    const group = await runCli(['lag', topic, '--group', 'nobody'], { env });
    expect(group.code).toBe(3);
    expect(group.stderr).toContain(`error: Group nobody has no position on ${topic}`);
    const missing = await runCli(['lag', uniqueTopic('none')], { env });
    expect(missing.code).toBe(3);
  });
});
