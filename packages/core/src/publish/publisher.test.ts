import { describe, expect, it } from 'vitest';
import { isEventBusError } from '../errors.ts';
import { createEventBus } from '../event-bus.ts';
import { memoryTransport } from '../memory/memory-transport.ts';
import { gatedTransport } from './test-support/wrapped-transport.ts';

describe('publishing', () => {
  it('fails fast with BUFFER_FULL when asked to, instead of waiting', async () => {
    const { transport: slow, release } = gatedTransport();
    const bus = createEventBus({
      source: 't',
      transport: slow,
      publishBuffer: { maxMessages: 2, whenFull: 'fail' },
    });
    const first = [bus.publish('p4', { type: 'x', data: 1 }), bus.publish('p4', { type: 'x', data: 2 })];
    await new Promise((resolve) => setTimeout(resolve, 5));
    const third = await bus.publish('p4', { type: 'x', data: 3 }).catch((e) => e);
    expect(isEventBusError(third, 'BUFFER_FULL')).toBe(true);
    release();
    await Promise.all(first);
    await bus.close();
  });

  it('rejects a draft whose key is not a string', async () => {
    const bus = createEventBus({ source: 't' });
    const error = await bus
      .publish('p5', { type: 'x', data: 1, key: 42 as unknown as string })
      .catch((e) => e);
    expect(isEventBusError(error, 'INVALID_EVENT')).toBe(true);
    await bus.close();
  });

  it.each([
    [{ headers: { retries: 3 } }, /Header "retries" must be a string, got number/],
    [{ headers: 'x-trace=1' }, /headers must be an object of string values/],
    [{ subject: 42 }, /`subject` must be a string, got number/],
    [{ id: 7 }, /`id` must be a string, got number/],
    [{ time: 1_700_000_000 }, /`time` must be an ISO string or a Date, got number/],
    [{ time: 'yesterday' }, /`time` must be an RFC 3339 timestamp .* got "yesterday"/],
    [{ time: '2026-13-45T99:00:00Z' }, /`time` must be an RFC 3339 timestamp/],
    [{ time: '2026-02-30T10:00:00Z' }, /`time` must be an RFC 3339 timestamp/],
    [{ time: '2026-12-06' }, /`time` must be an RFC 3339 timestamp/],
    [{ time: new Date('nope') }, /`time` is an invalid Date/],
  ])('rejects a draft with %o, naming the field, before any transport sees it', async (fields, message) => {
    // On Kafka, NATS and Redis such a header failed deep in the client (PUBLISH_FAILED, or INTERNAL
    // "raw.trim is not a function"), as if the broker were at fault.
    const bus = createEventBus({ source: 't' });
    const error = await bus.publish('p5', { type: 'x', data: 1, ...(fields as object) }).catch((e) => e);
    expect(isEventBusError(error, 'INVALID_EVENT')).toBe(true);
    expect((error as Error).message).toMatch(message);
    await bus.close();
  });

  it.each([
    '2026-12-06T10:00:00Z',
    '2026-12-06T10:00:00.123456789+05:30',
    '2026-12-06t10:00:00z',
    '2016-12-31T23:59:60Z',
  ])('takes the RFC 3339 time %s as given', async (time) => {
    const bus = createEventBus({ source: 't' });
    const seen = new Promise<string>((resolve) => {
      void bus.subscribe('p6', async (event) => resolve(event.time));
    });
    await bus.publish('p6', { type: 'x', data: 1, time });
    expect(await seen).toBe(time);
    await bus.close();
  });

  it('refuses an event over the bus limit saying to raise maxEventBytes', async () => {
    const bus = createEventBus({ source: 't', maxEventBytes: 1_000 });
    const error = await bus.publish('p7', { type: 'x', data: 'y'.repeat(2_000) }).catch((e) => e);
    expect(isEventBusError(error, 'EVENT_TOO_LARGE')).toBe(true);
    expect((error as Error).message).toMatch(/the limit on p7 is 1000\. .*raise maxEventBytes/);
    await bus.close();
  });

  it('with the defaults (both limits 1 MiB) names the transport limit, not maxEventBytes', async () => {
    const bus = createEventBus({ source: 't' });
    const error = await bus.publish('p7', { type: 'x', data: 'y'.repeat(1_100_000) }).catch((e) => e);
    expect(isEventBusError(error, 'EVENT_TOO_LARGE')).toBe(true);
    expect((error as Error).message).toMatch(/The memory transport takes at most 1048576 bytes/);
    expect((error as Error).message).not.toMatch(/raise maxEventBytes/);
    await bus.close();
  });

  it('refuses an event over the transport limit naming what sets it, not maxEventBytes', async () => {
    // A user who raised maxEventBytes was told to raise maxEventBytes again: the transport's limit applied.
    const bus = createEventBus({
      source: 't',
      maxEventBytes: 4_000_000,
      transport: memoryTransport({ maxMessageBytes: 1_000 }),
    });
    const error = await bus.publish('p7', { type: 'x', data: 'y'.repeat(2_000) }).catch((e) => e);
    expect(isEventBusError(error, 'EVENT_TOO_LARGE')).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/The memory transport takes at most 1000 bytes \(its `maxMessageBytes`\)/);
    expect(message).not.toMatch(/raise maxEventBytes/);
    await bus.close();
  });

  it('rejects invalid options naming the field', () => {
    expect(() => createEventBus({ source: '' })).toThrowError(/`source`/);
    expect(() => createEventBus({ source: 's', publishBuffer: { whenFull: 'drop' as 'fail' } })).toThrowError(
      /publishBuffer\.whenFull/,
    );
  });
});
