import { describe, expect, it } from 'vitest';
import { isEventBusError } from '../errors.ts';
import { PublishBuffer, type PublishBufferLimits } from './publish-buffer.ts';

const limits = (
  maxMessages: number,
  maxBytes: number,
  whenFull: 'wait' | 'fail',
  maxWaitingMessages = 100,
  maxWaitingBytes = 10_000,
): PublishBufferLimits => ({ maxMessages, maxBytes, whenFull, maxWaitingMessages, maxWaitingBytes });

describe('PublishBuffer', () => {
  it('makes publish wait when full and lets it through on release', async () => {
    const buffer = new PublishBuffer(limits(2, 1_000, 'wait'));
    expect(buffer.reserve(10)).toBeUndefined();
    expect(buffer.reserve(10)).toBeUndefined();
    let admitted = false;
    const waiting = buffer.reserve(10)!.then(() => {
      admitted = true;
    });
    await Promise.resolve();
    expect(admitted).toBe(false);
    buffer.release(10);
    await waiting;
    expect(admitted).toBe(true);
    expect(buffer.messages).toBe(2);
  });

  it('fails fast with a retriable BUFFER_FULL when asked to', async () => {
    const buffer = new PublishBuffer(limits(10, 100, 'fail'));
    expect(buffer.reserve(80)).toBeUndefined();
    const error = await buffer.reserve(80)!.catch((e: unknown) => e);
    expect(isEventBusError(error, 'BUFFER_FULL')).toBe(true);
    expect((error as { retriable: boolean }).retriable).toBe(true);
  });

  it('admits an event bigger than the byte limit when the buffer is empty', () => {
    const buffer = new PublishBuffer(limits(10, 100, 'wait'));
    expect(buffer.reserve(500)).toBeUndefined();
  });

  it('bounds the publishes that wait, by count and bytes, failing the rest fast', async () => {
    const buffer = new PublishBuffer(limits(1, 1_000, 'wait', 2, 25));
    expect(buffer.reserve(10)).toBeUndefined();
    const first = buffer.reserve(10)!;
    const second = buffer.reserve(10)!;
    const third = await buffer.reserve(10)!.catch((e: unknown) => e);
    expect(isEventBusError(third, 'BUFFER_FULL')).toBe(true);
    expect((third as Error).message).toMatch(/maxWaitingMessages/);
    expect(buffer.waiting).toBe(2);
    expect(buffer.waitingBytes).toBe(20);
    buffer.release(10);
    await first;
    const byBytes = await buffer.reserve(20)!.catch((e: unknown) => e);
    expect(isEventBusError(byBytes, 'BUFFER_FULL')).toBe(true); // 10 waiting + 20 > 25
    buffer.release(10);
    await second;
    expect(buffer.waiting).toBe(0);
    expect(buffer.waitingBytes).toBe(0);
  });

  it('serves a long queue of waiters in order without shifting the array', async () => {
    const buffer = new PublishBuffer(limits(1, 1_000_000, 'wait', 100_000, 1_000_000));
    expect(buffer.reserve(1)).toBeUndefined();
    const order: number[] = [];
    const all = Array.from({ length: 5_000 }, (_, n) => buffer.reserve(1)!.then(() => order.push(n)));
    for (let n = 0; n < 5_000; n++) buffer.release(1);
    await Promise.all(all);
    expect(order).toEqual(Array.from({ length: 5_000 }, (_, n) => n));
  });
});
