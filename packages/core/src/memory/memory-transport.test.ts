import { describe, expect, it } from 'vitest';
import { isEventBusError } from '../errors.ts';
import { memoryTransport } from './memory-transport.ts';

describe('memoryTransport options', () => {
  it('refuses an unknown option, suggesting the one meant, as createEventBus does', () => {
    // A misspelt `maxMesageBytes` was accepted without a word, and the default limit applied.
    const error = (() => {
      try {
        memoryTransport({ maxMesageBytes: 1_000 } as never);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isEventBusError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toMatch(/`maxMesageBytes`.*Did you mean `maxMessageBytes`\?/);
  });

  it('refuses a limit that is not positive', () => {
    expect(() => memoryTransport({ maxMessageBytes: 0 })).toThrowError(/maxMessageBytes/);
  });

  it('takes its known options', () => {
    expect(memoryTransport({ maxMessageBytes: 2_000 }).capabilities.maxMessageBytes).toBe(2_000);
  });
});
