import { describe, expect, it } from 'vitest';
import { createEventBus } from './event-bus.ts';
import { MemoryBroker } from './memory/memory-broker.ts';
import { memoryTransport } from './memory/memory-transport.ts';
import type { ConsumeMiddleware, PublishMiddleware } from './middleware.ts';

describe('middleware', () => {
  it('wraps publish and handling, outermost first', async () => {
    const calls: string[] = [];
    const stamp: PublishMiddleware = (next) => (topic, envelope) => {
      calls.push('publish:outer');
      return next(topic, { ...envelope, headers: { ...envelope.headers, 'x-stamped': 'yes' } });
    };
    const audit: PublishMiddleware = (next) => async (topic, envelope) => {
      calls.push(`publish:inner:${envelope.headers['x-stamped']}`);
      return next(topic, envelope);
    };
    const timing: ConsumeMiddleware = (next) => async (event, ctx) => {
      calls.push('handle:before');
      await next(event, ctx);
      calls.push('handle:after');
    };
    const bus = createEventBus({
      source: 'mw',
      transport: memoryTransport({ broker: new MemoryBroker() }),
      publishMiddleware: [stamp, audit],
      consumeMiddleware: [timing],
    });
    const seen: string[] = [];
    await bus.subscribe('mw', (event) => {
      seen.push(event.headers['x-stamped']!);
      calls.push('handler');
    });
    await bus.publish('mw', { type: 't', data: 1 });
    await expect.poll(() => calls.at(-1)).toBe('handle:after');
    expect(calls).toEqual(['publish:outer', 'publish:inner:yes', 'handle:before', 'handler', 'handle:after']);
    expect(seen).toEqual(['yes']);
    await bus.close();
  });

  it('closes a subscription when its abort signal fires', async () => {
    const bus = createEventBus({ source: 'mw', transport: memoryTransport({ broker: new MemoryBroker() }) });
    const controller = new AbortController();
    await bus.subscribe('sig', () => {}, { signal: controller.signal });
    expect((await bus.health()).subscriptions).toHaveLength(1);
    controller.abort();
    await expect.poll(async () => (await bus.health()).subscriptions.length).toBe(0);
    await bus.close();
  });
});
