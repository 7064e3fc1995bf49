import { type Attributes, metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../event-bus.ts';
import type { Transport } from '../transport.ts';
import type { EventBus } from '../types.ts';
import { BusMetrics } from './metrics.ts';
import { fakeTransport } from './test-transports.ts';

/** A reader the test pulls from: nothing is exported on a timer. */
class PullReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const reader = new PullReader();
const provider = new MeterProvider({ readers: [reader] });

// Instruments are made when the bus is created, so the provider must be registered first.
beforeAll(() => {
  metrics.setGlobalMeterProvider(provider);
});

afterAll(async () => {
  await provider.shutdown();
  metrics.disable();
});

const buses: EventBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close({ drainTimeoutMs: 500 })));
});

function newBus(transport: Transport = fakeTransport()): EventBus {
  const bus = createEventBus({ source: 'svc', transport, onError: () => {} });
  buses.push(bus);
  return bus;
}

interface Point {
  readonly attributes: Attributes;
  readonly value: number | { readonly count: number; readonly sum?: number };
}

/** Data points per metric name, cumulative since the provider started. */
async function collect(): Promise<Map<string, Point[]>> {
  const { resourceMetrics } = await reader.collect();
  const byName = new Map<string, Point[]>();
  for (const scope of resourceMetrics.scopeMetrics)
    for (const metric of scope.metrics)
      byName.set(metric.descriptor.name, metric.dataPoints as unknown as Point[]);
  return byName;
}

/** The value of `name` for the data point whose attributes include `where` (0 when none). */
async function pointValue(name: string, where: Attributes): Promise<Point['value'] | 0> {
  const points = (await collect()).get(name) ?? [];
  const point = points.find((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v));
  return point?.value ?? 0;
}

describe('messaging metrics', () => {
  it('counts sent and consumed events and records their durations under the messaging metric names', async () => {
    const bus = newBus();
    let handled = 0;
    await bus.subscribe(
      'm-orders',
      () => {
        handled++;
      },
      { group: 'billing' },
    );
    await Promise.all([1, 2, 3].map((n) => bus.publish('m-orders', { type: 'x', data: n })));
    await expect.poll(() => handled).toBe(3);

    const send = {
      'messaging.system': 'memory',
      'messaging.destination.name': 'm-orders',
      'messaging.operation.name': 'send',
    };
    const process = {
      'messaging.system': 'memory',
      'messaging.destination.name': 'm-orders',
      'messaging.operation.name': 'process',
      'messaging.consumer.group.name': 'billing',
    };
    expect(await pointValue('messaging.client.sent.messages', send)).toBe(3);
    expect(await pointValue('messaging.client.operation.duration', send)).toMatchObject({ count: 3 });
    await expect.poll(() => pointValue('messaging.client.consumed.messages', process)).toBe(3);
    expect(await pointValue('messaging.process.duration', process)).toMatchObject({ count: 3 });
    expect(await pointValue('switchyard.consumer.in_flight', process)).toBe(0);
  });

  it('counts a failed publish in messaging.client.sent.messages with error.type', async () => {
    const bus = newBus(fakeTransport({ failSends: 'PUBLISH_FAILED' }));
    await expect(bus.publish('m-failing', { type: 'x', data: 1 })).rejects.toThrow();
    const where = { 'messaging.destination.name': 'm-failing', 'error.type': 'PUBLISH_FAILED' };
    expect(await pointValue('messaging.client.sent.messages', where)).toBe(1);
    expect(await pointValue('switchyard.publish.failures', where)).toBe(1);
  });

  it('counts retries and dead letters by reason', async () => {
    const bus = newBus();
    await bus.subscribe(
      'm-payments',
      () => {
        throw new Error('declined');
      },
      { group: 'billing', retry: { attempts: 3, initialDelayMs: 1, jitter: 'none' } },
    );
    await bus.publish('m-payments', { type: 'x', data: 1 });
    const where = { 'messaging.destination.name': 'm-payments', 'messaging.consumer.group.name': 'billing' };
    await expect
      .poll(() =>
        pointValue('switchyard.consumer.dead_lettered', {
          ...where,
          'switchyard.dead_letter.reason': 'handler-failed',
        }),
      )
      .toBe(1);
    expect(await pointValue('switchyard.consumer.retries', where)).toBe(2);
    expect(await pointValue('switchyard.consumer.in_flight', where)).toBe(0);
  });

  it('reports in-flight handlers, consumer lag and the publish buffer as they are', async () => {
    const bus = newBus();
    const { promise: released, resolve: release } = Promise.withResolvers<void>();
    let started = 0;
    await bus.subscribe(
      'm-lag',
      async () => {
        started++;
        await released;
      },
      { group: 'slow', concurrency: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((n) => bus.publish('m-lag', { type: 'x', data: n, key: `k${n}` })));
    await expect.poll(() => started).toBe(2);
    const where = { 'messaging.destination.name': 'm-lag', 'messaging.consumer.group.name': 'slow' };
    expect(await pointValue('switchyard.consumer.in_flight', where)).toBe(2);
    // The lag gauge reports what the transport said at the previous collection (its callback is synchronous).
    await expect.poll(() => pointValue('switchyard.consumer.lag', where)).toBe(5);
    release();
    await expect.poll(() => pointValue('switchyard.consumer.lag', where)).toBe(0);
    expect(await pointValue('switchyard.consumer.in_flight', where)).toBe(0);

    const stalled = newBus(fakeTransport({ name: 'stalled', stallSends: true }));
    void stalled.publish('m-stuck', { type: 'x', data: 'abc' }).catch(() => {});
    void stalled.publish('m-stuck', { type: 'x', data: 'def' }).catch(() => {});
    await expect
      .poll(() => pointValue('switchyard.publish.buffer.messages', { 'messaging.system': 'stalled' }))
      .toBe(2);
    expect(
      await pointValue('switchyard.publish.buffer.bytes', { 'messaging.system': 'stalled' }),
    ).toBeGreaterThan(100);
    buses.pop(); // its sends never settle, so close() would wait for them
  });

  it('stops calling the gauge callbacks (which hold the bus) once stopped, as close() does', async () => {
    const busMetrics = new BusMetrics('closing');
    let reads = 0;
    busMetrics.observe('switchyard.test.gauge', { unit: '1', description: 'test' }, () => {
      reads++;
      return [{ value: 1, attributes: {} }];
    });
    await collect();
    expect(reads).toBe(1);
    busMetrics.stopObserving();
    await collect();
    expect(reads).toBe(1);
  });
});
