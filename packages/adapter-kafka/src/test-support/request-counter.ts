import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import type { EventBus } from '@switchyard/core';
import { afterEach } from 'vitest';
import { isUnknownTopic } from '../driver/platformatic/platformatic-errors.ts';

const require = createRequire(import.meta.url);

/** Requests of one kind a client sent since the counter was made. */
export interface RequestCounter {
  sent(): number;
  restore(): void;
}

type BrokerMethod = 'metadata' | 'createTopics';
/** What a request log records: a request sent, or a Metadata request answered "unknown topic". */
type Logged = BrokerMethod | 'unknown-topic';

/**
 * Every request of one kind the kafkajs client the adapter loads sends, counted at its Broker (one
 * call, one request on the wire).
 */
export function countKafkajsRequests(
  method: BrokerMethod,
  onSent?: () => void,
  onUnknown?: () => void,
): RequestCounter {
  const Broker = require('kafkajs/src/broker/index.js') as {
    prototype: Record<BrokerMethod, (request?: unknown) => Promise<unknown>>;
  };
  const original = Broker.prototype[method];
  let sent = 0;
  Broker.prototype[method] = function (this: unknown, request?: unknown) {
    sent++;
    onSent?.();
    const answer = original.call(this, request);
    if (onUnknown !== undefined)
      answer.catch((error: { type?: string }) => {
        if (error?.type === 'UNKNOWN_TOPIC_OR_PARTITION') onUnknown();
      });
    return answer;
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
export function countPlatformaticRequests(
  method: BrokerMethod,
  onSent?: () => void,
  onUnknown?: () => void,
): RequestCounter {
  // The start and error events of the client's `connections:api` tracing channel.
  const start = 'tracing:plt:kafka:connections:api:start';
  const failed = 'tracing:plt:kafka:connections:api:error';
  const apiKey = API_KEYS[method];
  let sent = 0;
  const onRequest = (message: unknown) => {
    if ((message as { apiKey?: number }).apiKey !== apiKey) return;
    sent++;
    onSent?.();
  };
  const onError = (message: unknown) => {
    const { apiKey: key, error } = message as { apiKey?: number; error?: unknown };
    if (key === apiKey && isUnknownTopic(error)) onUnknown?.();
  };
  subscribe(start, onRequest);
  subscribe(failed, onError);
  return {
    sent: () => sent,
    restore: () => {
      unsubscribe(start, onRequest);
      unsubscribe(failed, onError);
    },
  };
}

/**
 * For a describe block: the buses its tests open (closed after each test) and the request counter a
 * test sets (restored after it).
 */
export function busesAndCounter(): {
  readonly buses: EventBus[];
  counting<T extends { restore(): void }>(counter: T): T;
} {
  const buses: EventBus[] = [];
  let current: { restore(): void } | undefined;
  afterEach(async () => {
    current?.restore();
    current = undefined;
    await Promise.allSettled(buses.splice(0).map((bus) => bus.close({ drainTimeoutMs: 2_000 })));
  });
  return {
    buses,
    counting: (counter) => {
      current = counter;
      return counter;
    },
  };
}

/** The requests a client sent and the unknown-topic answers it got, in order, since the log was made. */
export interface RequestLog {
  sent(): readonly Logged[];
  clear(): void;
  restore(): void;
}

/** Logs the Metadata and CreateTopics requests the driver's client sends, and Metadata's unknown-topic answers. */
export function logRequests(driver: 'kafkajs' | 'platformatic'): RequestLog {
  const log: Logged[] = [];
  const unknown = () => log.push('unknown-topic');
  const counters = (['metadata', 'createTopics'] as const).map((method) => {
    const sent = () => log.push(method);
    const onUnknown = method === 'metadata' ? unknown : undefined;
    return driver === 'kafkajs'
      ? countKafkajsRequests(method, sent, onUnknown)
      : countPlatformaticRequests(method, sent, onUnknown);
  });
  return {
    sent: () => [...log],
    clear: () => {
      log.length = 0;
    },
    restore: () => {
      for (const counter of counters) counter.restore();
    },
  };
}

/** Requests of one kind the driver's client sends, counted from now. */
export function countRequests(driver: 'kafkajs' | 'platformatic', method: BrokerMethod): RequestCounter {
  return driver === 'kafkajs' ? countKafkajsRequests(method) : countPlatformaticRequests(method);
}
