import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which bus's handler the running code belongs to. A closing bus refuses new publishes, except
 * those its own draining handlers make: their follow-up events are part of the work being drained.
 */
const scope = new AsyncLocalStorage<object>();

export function runAsHandlerOf<A, B, R>(bus: object, fn: (a: A, b: B) => R, a: A, b: B): R {
  return scope.run(bus, fn, a, b);
}

export function insideHandlerOf(bus: object): boolean {
  return scope.getStore() === bus;
}
