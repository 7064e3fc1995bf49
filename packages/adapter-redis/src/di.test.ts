import 'reflect-metadata';
import { EVENT_BUS, registerEventBus, TRANSPORT } from '@switchyard/core/di';
import { container } from 'tsyringe';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisFixture, waitFor } from './test-support/fixture.ts';
import { REDIS_URL } from './test-support/servers.ts';

describe.skipIf(REDIS_URL === undefined)('SWITCHYARD_TRANSPORT=redis through core’s DI', () => {
  const f = new RedisFixture(REDIS_URL ?? '');
  afterEach(() => f.cleanup());

  it('builds this transport from the environment and carries events', async () => {
    const topic = f.topic('di');
    const c = container.createChildContainer();
    await registerEventBus(c, {
      env: {
        SWITCHYARD_TRANSPORT: 'redis',
        SWITCHYARD_SOURCE: 'orders-svc',
        REDIS_URL,
        SWITCHYARD_REDIS_MAX_MESSAGES: '5000',
      },
    });
    expect(c.resolve(TRANSPORT).name).toBe('redis');
    const bus = c.resolve(EVENT_BUS);
    const seen: string[] = [];
    await bus.subscribe(topic, (event) => void seen.push(event.type), { group: 'billing' });
    await bus.publish(topic, { type: 'order.placed', data: { id: 'o-1' }, key: 'o-1' });
    await waitFor('the event', () => seen.length === 1);
    expect(seen).toEqual(['order.placed']);
    await bus.close();
  });
});
