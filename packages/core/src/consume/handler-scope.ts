import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which bus's consumer the running code belongs to. A closing bus refuses new publishes, except
 * those its own draining handlers make: their follow-up events are part of the work being drained.
 *
 * The scope is entered once per batch a transport hands over, not per handler: everything the
 * consumer starts from there (handlers, their continuations, retries) inherits it. Entering an
 * async context allocates a frame, a visible per-event cost (docs/internals/core-hot-path.md).
 */
const scope = new AsyncLocalStorage<object>();

export function runAsConsumerOf<A>(bus: object, fn: (a: A) => void, a: A): void {
  scope.run(bus, fn, a);
}

export function insideHandlerOf(bus: object): boolean {
  return scope.getStore() === bus;
}
