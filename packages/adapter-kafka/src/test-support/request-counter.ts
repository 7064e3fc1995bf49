import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import type { EventBus } from '@switchyard/core';
import { afterEach } from 'vitest';

const require = createRequire(import.meta.url);

/** Requests of one kind a client sent since the counter was made. */
export interface RequestCounter {
  sent(): number;
  restore(): void;
}

type BrokerMethod = 'metadata' | 'createTopics';

/**
 * Every request of one kind the kafkajs client the adapter loads sends, counted at its Broker (one
 * call, one request on the wire).
 */
export function countKafkajsRequests(method: BrokerMethod): RequestCounter {
  const Broker = require('kafkajs/src/broker/index.js') as {
    prototype: Record<BrokerMethod, (request?: unknown) => Promise<unknown>>;
  };
  const original = Broker.prototype[method];
  let sent = 0;
  Broker.prototype[method] = function (this: unknown, request?: unknown) {
    sent++;
    return original.call(this, request);
  };
  return {
    sent: () => sent,
    restore: () => {
      Broker.prototype[method] = original;
    },
  };
}

/** Kafka API keys the tests count. */
export const API_KEYS = { metadata: 3, createTopics: 19 } as const satisfies Record<BrokerMethod, number>;

/**
 * Every request of one kind @platformatic/kafka writes, from its own diagnostics channel: each request
 * a connection sends is published there once.
 */
export function countPlatformaticRequests(method: BrokerMethod): RequestCounter {
  // The start of the client's `connections:api` tracing channel.
  const name = 'tracing:plt:kafka:connections:api:start';
  const apiKey = API_KEYS[method];
  let sent = 0;
  const onRequest = (message: unknown) => {
    if ((message as { apiKey?: number }).apiKey === apiKey) sent++;
  };
  subscribe(name, onRequest);
  return { sent: () => sent, restore: () => unsubscribe(name, onRequest) };
}

/**
 * For a describe block: the buses its tests open (closed after each test) and the request counter a
 * test sets (restored after it).
 */
export function busesAndCounter(): {
  readonly buses: EventBus[];
  counting(counter: RequestCounter): RequestCounter;
} {
  const buses: EventBus[] = [];
  let current: RequestCounter | undefined;
  afterEach(async () => {
    current?.restore();
    current = undefined;
    await Promise.allSettled(buses.splice(0).map((bus) => bus.close({ drainTimeoutMs: 2_000 })));
  });
  return { buses, counting: (counter) => (current = counter) };
}

/** Requests of one kind the driver's client sends, counted from now. */
export function countRequests(driver: 'kafkajs' | 'platformatic', method: BrokerMethod): RequestCounter {
  return driver === 'kafkajs' ? countKafkajsRequests(method) : countPlatformaticRequests(method);
}
