import { describe, expect, it } from 'vitest';
import { applicationBus } from '../test-support/broker-clients.ts';
import { runCli, testBrokers, uniqueTopic } from '../test-support/run-cli.ts';
import { topicChurn } from '../test-support/topic-churn.ts';

const KEPT = 12;
const CHURNERS = 4;
const LISTERS = 3;
const RUNS_EACH = 3;

describe.each(testBrokers())('switchyard topics on $name while other processes delete topics', (broker) => {
  it('lists the topics that remain, leaves the deleted ones out and exits 0', async () => {
    const prefix = uniqueTopic('churn');
    const kept = Array.from({ length: KEPT }, (_, i) => `${prefix}.kept-${i}`);
    const bus = applicationBus(broker);
    await Promise.all(kept.map((name) => bus.ensureTopic({ name, partitions: 2 })));
    await bus.close();

    // Churners create a topic and delete it again, over and over, while the listings run.
    const created = new Set<string>();
    const deleted = new Set<string>();
    let listing = true;
    const churn = await topicChurn(broker);
    const churners = Array.from({ length: CHURNERS }, async (_, c) => {
      for (let n = 0; listing; n++) {
        const topic = `${prefix}.gone-${c}-${n}`;
        created.add(topic);
        await churn.create(topic);
        await churn.delete(topic);
        deleted.add(topic);
      }
    });

    const failures: string[] = [];
    const listers = Array.from({ length: LISTERS }, async () => {
      for (let run = 0; run < RUNS_EACH; run++) {
        const deletedBefore = [...deleted];
        const result = await runCli(['topics', `${prefix}.*`, '--json'], { env: broker.env });
        if (result.code !== 0) {
          failures.push(result.stderr);
          continue;
        }
        const names = (JSON.parse(result.stdout) as Array<{ name: string }>).map((t) => t.name);
        expect(names).toEqual(expect.arrayContaining(kept));
        for (const name of names) expect(kept.includes(name) || created.has(name), name).toBe(true);
        for (const name of deletedBefore) expect(names).not.toContain(name);
      }
    });
    try {
      await Promise.all(listers);
    } finally {
      listing = false;
      await Promise.all(churners);
      await churn.close();
    }
    expect(deleted.size, 'topics deleted while listing').toBeGreaterThan(LISTERS * RUNS_EACH);
    expect(failures).toEqual([]);

    const after = await runCli(['topics', `${prefix}.*`, '--json'], { env: broker.env });
    expect(after.code, after.stderr).toBe(0);
    expect((JSON.parse(after.stdout) as Array<{ name: string }>).map((t) => t.name)).toEqual(
      [...kept].sort(),
    );
  });
});
