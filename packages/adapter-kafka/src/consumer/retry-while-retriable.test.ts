import { EventBusError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { retryWhileRetriable } from './retry-while-retriable.ts';

describe('retryWhileRetriable', () => {
  it('tries again after a retriable failure and returns the first success', async () => {
    let calls = 0;
    const value = await retryWhileRetriable(5_000, async () => {
      calls++;
      if (calls < 3)
        throw new EventBusError('CONNECTION_FAILED', 'group load in progress', { retriable: true });
      return 'joined';
    });
    expect(value).toBe('joined');
    expect(calls).toBe(3);
  });

  it('gives up at once on a failure that retrying cannot fix', async () => {
    let calls = 0;
    const error = await retryWhileRetriable(5_000, async () => {
      calls++;
      throw new EventBusError('AUTHENTICATION_FAILED', 'bad password');
    }).catch((e) => e);
    expect(error.code).toBe('AUTHENTICATION_FAILED');
    expect(calls).toBe(1);
  });

  it('gives up with the last error when the deadline passes', async () => {
    const started = Date.now();
    const error = await retryWhileRetriable(300, async () => {
      throw new EventBusError('TOPIC_NOT_FOUND', 'not yet', { retriable: true });
    }).catch((e) => e);
    expect(error.message).toBe('not yet');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
