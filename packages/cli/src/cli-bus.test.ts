import { memoryTransport } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { createCliBus } from './cli-bus.ts';

describe('createCliBus().republish', () => {
  it('carries the original source, content type and time byte for byte, also a time a bus would refuse', async () => {
    // A dead letter of an event published before drafts' times were checked (or by another
    // producer) carries a time that is not RFC 3339; as a draft's time it was refused with
    // INVALID_EVENT on every redrive, so the entry could never be moved.
    const { bus, republish } = createCliBus(memoryTransport(), 'switchyard-cli', (error) => {
      throw error;
    });
    const seen = new Promise<{ source: string; time: string; datacontenttype: string }>((resolve) => {
      void bus.subscribe('orders', async (event) => resolve(event));
    });
    await republish(
      'orders',
      { id: 'e-1', type: 'order.placed', data: new TextEncoder().encode('{"n":1}') },
      { source: 'orders-svc', datacontenttype: 'application/json', time: 'yesterday' },
    );
    expect(await seen).toMatchObject({
      source: 'orders-svc',
      datacontenttype: 'application/json',
      time: 'yesterday',
    });
    await bus.close();
  });
});
