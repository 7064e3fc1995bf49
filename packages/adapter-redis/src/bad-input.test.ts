import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createEventBus, DLQ_HEADERS } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisFixture, waitFor } from './test-support/fixture.ts';
import { REDIS_URL } from './test-support/servers.ts';

const run = promisify(execFile);

describe.skipIf(REDIS_URL === undefined)('entries someone else wrote', () => {
  const f = new RedisFixture(REDIS_URL ?? '');
  afterEach(() => f.cleanup());

  it('go to the dead-letter topic when they are not CloudEvents, and the stream keeps flowing', async () => {
    const topic = f.topic('foreign');
    const bus = createEventBus({ source: 'billing-svc', transport: await f.transport(), onError: () => {} });
    await bus.ensureTopic({ name: topic });
    const handled: unknown[] = [];
    await bus.subscribe(topic, (event) => void handled.push(event.data), { group: 'billing' });
    const dead: Array<{ headers: Record<string, string>; data: string }> = [];
    const raw = await f.transport();
    await raw.consume(
      {
        topic: `${topic}.dlq`,
        group: 'dlq-monitor',
        prefetch: 10,
        startFrom: 'earliest',
        maxDeliveries: 1,
        ackTimeoutMs: 30_000,
      },
      (ms) => {
        for (const m of ms) {
          dead.push({ headers: { ...m.headers }, data: Buffer.from(m.value).toString() });
          m.ack();
        }
      },
    );

    const cli = (...args: string[]) => run('redis-cli', ['-u', f.url, ...args]);
    await cli('XADD', topic, '*', 'order', 'o-1', 'total', '42'); // no CloudEvents fields at all
    await cli(
      'XADD',
      topic,
      '*',
      'ce_id',
      'bad-json',
      'ce_type',
      'order.placed',
      'ce_source',
      'cli',
      'ce_specversion',
      '1.0',
      'data',
      '{not json',
    );
    await cli(
      'XADD',
      topic,
      '*',
      'ce_id',
      'no-data',
      'ce_type',
      'order.placed',
      'ce_source',
      'cli',
      'ce_specversion',
      '1.0',
    );
    await cli(
      'XADD',
      topic,
      '*',
      'ce_id',
      'good',
      'ce_type',
      'order.placed',
      'ce_source',
      'cli',
      'ce_specversion',
      '1.0',
      'content-type',
      'application/json',
      'data',
      '{"orderId":"o-2"}',
    );

    await waitFor('the good entry handled', () => handled.length === 1);
    expect(handled).toEqual([{ orderId: 'o-2' }]);
    await waitFor('three dead letters', () => dead.length === 3);
    expect(dead.map((d) => d.headers[DLQ_HEADERS.reason])).toEqual([
      'decode-failed',
      'decode-failed',
      'decode-failed',
    ]);
    expect(dead.map((d) => d.data)).toEqual(['', '{not json', '']);
    expect(dead[0]!.headers).toMatchObject({ order: 'o-1', total: '42' }); // the foreign fields travel along
    expect(dead[1]!.headers[DLQ_HEADERS.errorMessage]).toMatch(/could not decode/);
    await bus.close();
  });
});
