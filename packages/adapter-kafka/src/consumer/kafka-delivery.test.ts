import { describe, expect, it } from 'vitest';
import { type DeliveryOwner, KafkaDelivery } from './kafka-delivery.ts';
import { OffsetTracker } from './offset-tracker.ts';

function recorder() {
  const calls: string[] = [];
  const owner: DeliveryOwner = {
    finish: (_tracker, offset) => calls.push(`finish ${offset}`),
    retry: (delivery, delayMs, attempt) => calls.push(`retry ${delivery.position} ${delayMs} ${attempt}`),
  };
  return { calls, owner };
}

describe('KafkaDelivery', () => {
  const tracker = new OffsetTracker('orders', 2);
  const make = (owner: DeliveryOwner, attempt = 1) =>
    new KafkaDelivery(owner, tracker, 41, attempt, Buffer.from('k-1'), null, { a: 'b' }, 'orders', 2, '41');

  it('carries the record as core sees it, with the partition revocation signal', () => {
    const d = make(recorder().owner);
    expect(d).toMatchObject({ topic: 'orders', key: 'k-1', headers: { a: 'b' }, attempt: 1, partition: 2 });
    expect(d.offset).toBe('41');
    expect(d.value).toEqual(Buffer.alloc(0));
    expect(d.signal).toBe(tracker.revocation.signal);
    expect(d.origin).toEqual({ topic: 'orders', partition: 2, offset: '41' });
  });

  it('settles once: the first ack or nack wins', () => {
    const { calls, owner } = recorder();
    const acked = make(owner);
    acked.ack();
    acked.nack();
    acked.ack();
    const nacked = make(owner, 3);
    nacked.nack({ delayMs: 500 });
    nacked.ack();
    make(owner).nack({ nextAttempt: 7 });
    expect(calls).toEqual(['finish 41', 'retry 41 500 4', 'retry 41 0 7']);
  });

  it('hands the same record over again, unsettled, with the new attempt', () => {
    const { calls, owner } = recorder();
    const first = make(owner);
    first.nack();
    const again = first.again(2);
    expect(again).toMatchObject({ key: 'k-1', attempt: 2, partition: 2, offset: '41', headers: { a: 'b' } });
    again.ack();
    expect(calls).toEqual(['retry 41 0 2', 'finish 41']);
  });

  it('leaves partition and offset out when the origin has none', () => {
    const d = new KafkaDelivery(
      recorder().owner,
      tracker,
      0,
      1,
      null,
      Buffer.from('v'),
      {},
      't',
      undefined,
      undefined,
    );
    expect(d.key).toBeUndefined();
    expect(d.partition).toBeUndefined();
    expect(d.offset).toBeUndefined();
  });
});
