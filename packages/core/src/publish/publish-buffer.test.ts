import { describe, expect, it } from 'vitest';
import { isEventBusError } from '../errors.ts';
import { PublishBuffer } from './publish-buffer.ts';

describe('PublishBuffer', () => {
  it('makes publish wait when full and lets it through on release', async () => {
    const buffer = new PublishBuffer(2, 1_000, 'wait');
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
    const buffer = new PublishBuffer(10, 100, 'fail');
    expect(buffer.reserve(80)).toBeUndefined();
    const error = await buffer.reserve(80)!.catch((e: unknown) => e);
    expect(isEventBusError(error, 'BUFFER_FULL')).toBe(true);
    expect((error as { retriable: boolean }).retriable).toBe(true);
  });

  it('admits an event bigger than the byte limit when the buffer is empty', () => {
    const buffer = new PublishBuffer(10, 100, 'wait');
    expect(buffer.reserve(500)).toBeUndefined();
  });
});
