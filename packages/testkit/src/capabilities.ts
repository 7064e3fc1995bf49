import type { TransportCapabilities } from '@switchyard/core';

/** How a transport claims each capability a case can need, by its name in `TransportCapabilities`. */
const CLAIMS = {
  persistent: (c: TransportCapabilities) => c.persistent,
  consumerGroups: (c: TransportCapabilities) => c.consumerGroups,
  orderingScope: (c: TransportCapabilities) => c.orderingScope !== 'none',
  delayedRedelivery: (c: TransportCapabilities) => c.delayedRedelivery,
} satisfies Partial<Record<keyof TransportCapabilities, (c: TransportCapabilities) => boolean>>;

/** A capability a case can need. */
export type Capability = keyof typeof CLAIMS;

/**
 * The capabilities of `needs` that `c` does not claim, named as `capabilities` spells them, for a
 * skip message: `the capability "persistent"`, `the capabilities "persistent" and
 * "consumerGroups"`, `the capability "orderingScope" (it is 'none')`. `undefined` when all are claimed.
 */
export function unclaimed(needs: readonly Capability[], c: TransportCapabilities): string | undefined {
  const names = needs
    .filter((capability) => !CLAIMS[capability](c))
    .map((capability) =>
      capability === 'orderingScope' ? `"orderingScope" (it is '${c.orderingScope}')` : `"${capability}"`,
    );
  if (names.length === 0) return undefined;
  if (names.length === 1) return `the capability ${names[0]}`;
  return `the capabilities ${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
