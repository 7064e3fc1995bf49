import { describe, expect, it } from 'vitest';
import { createEventBus } from '../event-bus.ts';

const invalid = (field: string, message: RegExp = /unknown option; known ones are /) =>
  expect.objectContaining({
    code: 'INVALID_CONFIG',
    details: { field },
    message: expect.stringMatching(message),
  });

describe('subscribe options', () => {
  const bus = () => createEventBus({ source: 'billing-svc', onError: () => {} });

  it.each([
    [{ gruop: 'billing' }, 'gruop'],
    [{ retry: { attempt: 3 } }, 'retry.attempt'],
    [{ deadLetter: { topik: 'orders.failed' } }, 'deadLetter.topik'],
  ])('refuses %o naming %s, instead of using the default', async (options, field) => {
    const b = bus();
    await expect(b.subscribe('orders', () => {}, options as never)).rejects.toThrow(invalid(field));
    await b.close();
  });

  it.each([
    [{ groupId: 'billing' }, 'groupId', '`group`'],
    [{ fromBeginning: true }, 'fromBeginning', '`startFrom`'],
    [{ retry: { maxAttempts: 3 } }, 'retry.maxAttempts', '`retry.attempts`'],
    [{ dlq: true }, 'dlq', '`deadLetter`'],
  ])('refuses %o, the broker client’s name, naming ours', async (options, field, ours) => {
    const b = bus();
    await expect(b.subscribe('orders', () => {}, options as never)).rejects.toThrow(
      invalid(field, new RegExp(`Did you mean ${ours.replace('.', '\\.')}\\?$`)),
    );
    await b.close();
  });

  it('points a batch option on subscribe to subscribeBatch', async () => {
    const b = bus();
    await expect(b.subscribe('orders', () => {}, { batch: { maxEvents: 50 } } as never)).rejects.toThrow(
      invalid('batch', /subscribeBatch/),
    );
    await b.close();
  });

  it('checks the batch options of subscribeBatch too', async () => {
    const b = bus();
    await expect(
      b.subscribeBatch('orders', async () => {}, { batch: { maxEvent: 50 } } as never),
    ).rejects.toThrow(invalid('batch.maxEvent'));
    await b.subscribeBatch('orders', async () => {}, {
      group: 'ledger',
      batch: { maxEvents: 50, maxWaitMs: 5 },
    });
    await b.close();
  });
});
