import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface ConsumerGroupLike {
  readonly groupId: string;
  readonly memberId: string | null;
  joinAndSync(): Promise<void>;
}

/** Work a member asked to finish before its next JoinGroup, by group and member id. */
const beforeRejoin = new Map<string, Promise<unknown>>();
const keyOf = (groupId: string, memberId: string | null) => `${groupId}\u0000${memberId ?? ''}`;

/**
 * Has kafkajs' next rejoin of this member wait for `work` (a rebalance's last commit, after the
 * handlers running when it started): kafkajs emits REBALANCING just before it rejoins, and
 * commits of the current generation are accepted until the member has rejoined (as Java's
 * consumer commits in onPartitionsRevoked before it sends JoinGroup). Entries go once settled.
 */
export function waitBeforeRejoin(groupId: string, memberId: string | null, work: Promise<unknown>): void {
  const key = keyOf(groupId, memberId);
  beforeRejoin.set(key, work);
  const forget = () => {
    if (beforeRejoin.get(key) === work) beforeRejoin.delete(key);
  };
  work.then(forget, forget);
}

/**
 * Wraps kafkajs' `ConsumerGroup.joinAndSync` so that a rejoin first waits for the work its member
 * registered with `waitBeforeRejoin` (work that fails or ends is not waited for again). Applied by
 * `patchKafkajs` with its other patches (once, to kafkajs 2.2.4 only), whose
 * `kafkajsPatched()` reports them all.
 */
export function waitForRevokeBeforeRejoin(): void {
  const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as {
    prototype: ConsumerGroupLike;
  };
  const joinAndSync = ConsumerGroup.prototype.joinAndSync;
  ConsumerGroup.prototype.joinAndSync = async function joinAfterRevoke(this: ConsumerGroupLike) {
    const work = beforeRejoin.get(keyOf(this.groupId, this.memberId));
    if (work !== undefined) await work.catch(() => undefined);
    return joinAndSync.call(this);
  };
}
