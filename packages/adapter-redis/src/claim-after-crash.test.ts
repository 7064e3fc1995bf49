import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEventBus } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisFixture, waitFor } from './test-support/fixture.ts';
import { REDIS_URL } from './test-support/servers.ts';

const child = fileURLToPath(new URL('./test-support/crash-consumer.ts', import.meta.url));

describe.skipIf(REDIS_URL === undefined)('a group member that crashes', () => {
  const f = new RedisFixture(REDIS_URL ?? '');
  let process_: ChildProcess | undefined;
  afterEach(async () => {
    process_?.kill('SIGKILL');
    await f.cleanup();
  });

  it('loses nothing: another member claims what the killed one held and finishes the stream', async () => {
    const topic = f.topic('crash');
    const set = `${topic}:handled`;
    const producer = createEventBus({ source: 'orders-svc', transport: await f.transport() });
    await producer.ensureTopic({ name: topic });
    process_ = spawn(process.execPath, ['--conditions=@switchyard/source', child], {
      env: { ...process.env, CRASH_URL: f.url, CRASH_TOPIC: topic, CRASH_GROUP: 'billing', CRASH_SET: set },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      process_!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('subscribed') && resolve());
      process_!.once('exit', (code) => reject(new Error(`the consumer exited with ${code}`)));
    });

    const receipts = await Promise.all(
      Array.from({ length: 2_000 }, (_, n) =>
        producer.publish(topic, { type: 'payment', data: { n }, key: `order-${n % 50}` }),
      ),
    );
    let handledBefore = 0;
    await waitFor(
      'the child to be mid-stream',
      () => {
        void f.admin.scard(set).then((n) => {
          handledBefore = n;
        });
        return handledBefore >= 300;
      },
      30_000,
    );
    const exited = new Promise((resolve) => process_!.once('exit', resolve));
    process_.kill('SIGKILL');
    await exited;
    const crashed = await f.admin.scard(set);
    expect(crashed).toBeLessThan(2_000); // killed mid-stream, with work left

    const survivorHandled = new Set<string>();
    const attempts: number[] = [];
    const survivor = createEventBus({
      source: 'orders-svc',
      transport: await f.transport({ ackWaitMs: 1_000, claimIntervalMs: 200 }),
    });
    await survivor.subscribe(
      topic,
      (event, ctx) => {
        survivorHandled.add(event.id);
        attempts.push(ctx.attempt);
      },
      { group: 'billing', concurrency: 16 },
    );
    const handledByCrashed = new Set(await f.admin.smembers(set));
    await waitFor(
      'every event handled by one of the two',
      () => receipts.every((r) => handledByCrashed.has(r.id) || survivorHandled.has(r.id)),
      30_000,
    );
    const lost = receipts.filter((r) => !handledByCrashed.has(r.id) && !survivorHandled.has(r.id));
    expect(lost).toHaveLength(0);
    // What the child had taken but not finished came back through a claim, as a second attempt.
    expect(attempts.filter((a) => a >= 2).length).toBeGreaterThan(0);
    // And the group is done: nothing unread, nothing pending (the dead member's leftovers claimed too).
    let lag: number | undefined;
    await waitFor(
      'no lag',
      () => {
        void survivor.health().then((h) => {
          lag = h.subscriptions[0]?.lag;
        });
        return lag === 0;
      },
      30_000,
    );
    await f.admin.del(set);
    await survivor.close();
    await producer.close();
  }, 90_000);
});
