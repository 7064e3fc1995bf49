import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { patchKafkajs } from './kafkajs-patches.ts';
import { waitBeforeRejoin } from './kafkajs-rejoin-wait.ts';

const require = createRequire(import.meta.url);

/** A kafkajs 2.2.4 ConsumerGroup of the patched class whose join does nothing but say it ran. */
function member(groupId: string, memberId: string) {
  patchKafkajs();
  const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as { prototype: object };
  const state = { joins: 0 };
  const group = Object.assign(Object.create(ConsumerGroup.prototype) as { joinAndSync(): Promise<void> }, {
    groupId,
    memberId,
    // joinAndSync runs its join and sync inside the retrier.
    retrier: () => {
      state.joins++;
      return Promise.resolve();
    },
  });
  return { group, state };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('the kafkajs rejoin waits for what its member asked', () => {
  it('holds the rejoin until the work registered for the member settles', async () => {
    const { group, state } = member('billing', 'member-1');
    let finish!: () => void;
    waitBeforeRejoin(
      'billing',
      'member-1',
      new Promise<void>((resolve) => {
        finish = resolve;
      }),
    );
    const rejoined = group.joinAndSync();
    await tick();
    expect(state.joins).toBe(0);
    finish();
    await rejoined;
    expect(state.joins).toBe(1);
  });

  it('rejoins at once with no work, with work that failed, and for another member', async () => {
    const { group, state } = member('billing', 'member-2');
    await group.joinAndSync();
    waitBeforeRejoin('billing', 'member-2', Promise.reject(new Error('commit refused')));
    await group.joinAndSync();
    waitBeforeRejoin('billing', 'member-3', new Promise(() => {}));
    await group.joinAndSync();
    expect(state.joins).toBe(3);
  });
});
