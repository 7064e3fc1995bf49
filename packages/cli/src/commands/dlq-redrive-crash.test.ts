import { describe, expect, it } from 'vitest';
import { fillDeadLetters, redrivenCopies } from '../test-support/broker-clients.ts';
import { jsonLines, runCli, startCli, testBrokers, uniqueTopic } from '../test-support/run-cli.ts';

describe.each(testBrokers())('switchyard dlq redrive killed with SIGKILL on $name', (broker) => {
  const { env } = broker;

  /** Every dead letter is in its topic exactly once, with redrive count 1, and the dead-letter topic has none left. */
  async function expectEachMovedOnce(topic: string, ids: readonly string[]): Promise<void> {
    const copies = await redrivenCopies(env, topic);
    const doubled = [...copies].filter(([, n]) => n > 1);
    expect(doubled, 'events republished twice').toEqual([]);
    const missing = ids.filter((id) => !copies.has(`${id} 1`));
    expect(missing, 'events lost').toEqual([]);
    expect(copies.size).toBe(ids.length);
    const list = JSON.parse((await runCli(['dlq', 'list', `${topic}.dlq`, '--json'], { env })).stdout);
    expect(list).toMatchObject({ total: 0, movedByRedrive: ids.length });
  }

  it('at the worst moment (republished, not yet marked moved), then run again: nothing lost, nothing doubled', async () => {
    const topic = uniqueTopic('crash-worst');
    const ids = await fillDeadLetters(broker, topic, 300);
    // Windows of 50: the run hangs after window 3 was confirmed by the broker and before it is journaled moved.
    const out = startCli(['dlq', 'redrive', `${topic}.dlq`, '--window', '50', '--json'], {
      env: { ...env, SWITCHYARD_TEST_HANG_AFTER_WINDOW: '3' },
      timeoutMs: 120_000,
    });
    await out.outputReaches((_, stderr) => stderr.includes('hanging after window 3'), 90_000, 'window 3');
    out.child.kill('SIGKILL');
    expect((await out.done).signal).toBe('SIGKILL');
    expect(jsonLines(out.stdout()).filter((l) => l.outcome === 'moved')).toHaveLength(100);
    // 150 events are in the topic now, only 100 of them journaled as moved.
    expect((await redrivenCopies(env, topic)).size).toBe(150);

    const again = await runCli(['dlq', 'redrive', `${topic}.dlq`, '--window', '50', '--json'], {
      env,
      timeoutMs: 120_000,
    });
    expect(again.code, again.stderr).toBe(0);
    const summary = jsonLines(again.stdout).at(-1)!.summary as Record<string, number>;
    // Windows 1-2 were journaled moved (Kafka keeps them in its log; NATS deleted them), window 3 is
    // found in the target, windows 4-6 are sent now.
    const alreadyMoved = broker.name === 'kafka' ? 100 : 0;
    expect(summary).toMatchObject({ recovered: 50, moved: 150, alreadyMoved, failed: 0 });
    await expectEachMovedOnce(topic, ids);
  });

  it('at a random moment half-way, then run again: nothing lost, nothing doubled', async () => {
    const topic = uniqueTopic('crash-random');
    const ids = await fillDeadLetters(broker, topic, 1000);
    // The kill lands wherever the run is once 400 entries are reported moved. On a fast broker and a
    // busy machine the run could finish before the test reacts, so it hangs at window 45 (900
    // entries) at the latest: the process is always still running when it is killed.
    const out = startCli(['dlq', 'redrive', `${topic}.dlq`, '--window', '20', '--json'], {
      env: { ...env, SWITCHYARD_TEST_HANG_AFTER_WINDOW: '45' },
      timeoutMs: 120_000,
    });
    await out.outputReaches(
      (stdout) => jsonLines(stdout).filter((l) => l.outcome === 'moved').length >= 400,
      90_000,
      '400 entries were moved',
    );
    out.child.kill('SIGKILL');
    expect((await out.done).signal).toBe('SIGKILL');
    const before = jsonLines(out.stdout()).filter((l) => l.outcome === 'moved').length;
    expect(before).toBeLessThan(1000);

    const again = await runCli(['dlq', 'redrive', `${topic}.dlq`, '--window', '20', '--json'], {
      env,
      timeoutMs: 120_000,
    });
    expect(again.code, again.stderr).toBe(0);
    const summary = jsonLines(again.stdout).at(-1)!.summary as Record<string, number>;
    expect(summary.failed).toBe(0);
    // The second run moved what the first had not (some of which the first may have sent already).
    expect(summary.moved! + summary.recovered!).toBeGreaterThanOrEqual(1000 - before - 20);
    await expectEachMovedOnce(topic, ids);
  });

  it('stops after the window in flight on Ctrl-C (exit 130), and a second run finishes the job', async () => {
    const topic = uniqueTopic('crash-sigint');
    const ids = await fillDeadLetters(broker, topic, 600);
    const out = startCli(['dlq', 'redrive', `${topic}.dlq`, '--window', '20', '--json'], {
      env,
      timeoutMs: 120_000,
    });
    await out.outputReaches(
      (stdout) => jsonLines(stdout).filter((l) => l.outcome === 'moved').length >= 100,
      90_000,
      '100 entries were moved',
    );
    out.child.kill('SIGINT');
    const stopped = await out.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('Stopping after the step in flight');
    const summary = jsonLines(stopped.stdout).at(-1)!.summary as Record<string, number>;
    expect(summary.moved).toBeLessThan(600);
    expect(summary.moved! % 20).toBe(0); // whole windows: none was cut short

    const again = await runCli(['dlq', 'redrive', `${topic}.dlq`, '--json'], { env, timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    const rest = jsonLines(again.stdout).at(-1)!.summary as Record<string, number>;
    expect(rest).toMatchObject({ moved: 600 - summary.moved!, recovered: 0 });
    await expectEachMovedOnce(topic, ids);
  });
});
