import type { EventBus } from '@switchyard/core';
import { ORDERS_TOPIC, OrderPlaced } from './events.ts';

export interface BillingOptions {
  /** Stop once no order has arrived for this long. */
  readonly idleMs: number;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

export interface BillingTally {
  charged: number;
  /** Orders that came back from the dead-letter topic (`switchyard dlq redrive`). */
  redriven: number;
}

/**
 * The billing service with the "card declined" bug fixed, run on its own: the `billing` group
 * charges every order it is given, including orders of earlier demo runs that a redrive put back
 * on the topic, and stops once the topic has been quiet for `idleMs`.
 */
export async function runFixedBilling(bus: EventBus, options: BillingOptions): Promise<BillingTally> {
  const tally: BillingTally = { charged: 0, redriven: 0 };
  let last = Date.now();
  const subscription = await bus.subscribe(
    ORDERS_TOPIC,
    OrderPlaced,
    async (event) => {
      last = Date.now();
      tally.charged++;
      const redrives = event.headers['switchyard-redrive-count'];
      if (redrives !== undefined) {
        tally.redriven++;
        options.log(
          `charged ${event.data.orderId} for ${event.data.customer} (redriven ${redrives}×, placed ${event.time})`,
        );
      }
    },
    { group: 'billing', concurrency: 32 },
  );
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() - last < options.idleMs && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await subscription.close();
  return tally;
}
