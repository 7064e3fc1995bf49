import { describe, expect, it } from 'vitest';
import { createEventBus } from './event-bus.ts';

const invalid = (field: string, message: RegExp = /unknown option; known ones are /) =>
  expect.objectContaining({
    code: 'INVALID_CONFIG',
    details: { field },
    message: expect.stringMatching(message),
  });

describe('createEventBus options', () => {
  it('refuses a misspelled option instead of ignoring it (a bus on the in-memory transport by mistake)', () => {
    expect(() => createEventBus({ source: 'orders-svc', transprot: {} } as never)).toThrow(
      invalid('transprot', /unknown option; known ones are .*transport/),
    );
  });

  it.each([
    [{ publishBuffer: { maxMesages: 10 } }, 'publishBuffer.maxMesages'],
    [{ tracing: { rootSpan: 'per-event' } }, 'tracing.rootSpan'],
  ])('refuses %o naming %s', (options, field) => {
    expect(() => createEventBus({ source: 'orders-svc', ...options } as never)).toThrow(invalid(field));
  });
});
