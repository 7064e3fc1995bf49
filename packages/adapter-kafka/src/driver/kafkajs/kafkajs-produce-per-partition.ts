import { createRequire } from 'node:module';
import { kafkajsVersion } from './kafkajs-info.ts';

const require = createRequire(import.meta.url);

const PRODUCE = 0; // kafkajs' apiKeys.Produce
const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** A decoded Produce answer, as kafkajs 2.2.4's response decoders (v0–v7) give it. */
interface ProduceAnswer {
  readonly topics: ReadonlyArray<{
    readonly partitions: ReadonlyArray<{ readonly errorCode: number }>;
  }>;
}

type Parse = (data: ProduceAnswer) => Promise<unknown>;
interface BuiltRequest {
  readonly request: unknown;
  readonly response: { readonly parse: Parse };
}
type Lookup = (apiKey: number, definition: unknown) => (args: unknown) => BuiltRequest;

const keeping = new WeakSet<object>();

/**
 * kafkajs 2.2.4 throws a Produce answer away when one of its partitions failed, although the broker
 * wrote the others, and retries the whole request. When a topic in the request was deleted
 * meanwhile, its retries stop before sending (the topic has no metadata any more), so once the
 * retry budget was spent every event of the request was reported failed, the written ones too: a
 * service on the `throughput` preset saw its events for a topic in use fail with TOPIC_NOT_FOUND.
 *
 * Makes the brokers `cluster.findBroker` hands to the producer keep such an answer when every failed
 * partition is one the broker does not host and another partition in the same answer was written:
 * the send resolves with each partition's `errorCode`, and the driver settles the partitions one by
 * one (`partitionError`). Any other failure is thrown as before — also a broker's answer in which
 * every partition is unknown (on a cluster, a broker whose share of the request was only the deleted
 * topic's), so there the request still fails as a whole. For a producer without idempotence only
 * (`idempotent` true returns false): an idempotent one counted its sequence numbers for the failed
 * partitions too (kafkajs-partial-writes.ts handles that case). The broker's `lookupRequest` is set
 * anew on every connect, so it is wrapped as it is set. Returns false, changing nothing, for another
 * kafkajs version or a cluster not of kafkajs 2.2.4's shape.
 */
export function answerProducePerPartition(cluster: unknown, idempotent: boolean): boolean {
  const c = cluster as { findBroker?: (query: { nodeId: number }) => Promise<object> } | undefined;
  if (idempotent || kafkajsVersion() !== '2.2.4' || typeof c?.findBroker !== 'function') return false;
  const find = c.findBroker.bind(c);
  c.findBroker = async (query) => {
    const broker = await find(query);
    keepPartialAnswers(broker);
    return broker;
  };
  return true;
}

function keepPartialAnswers(broker: object): void {
  if (keeping.has(broker)) return;
  const holder = broker as { lookupRequest?: Lookup };
  if (typeof holder.lookupRequest !== 'function') return;
  keeping.add(broker);
  let current: Lookup = holder.lookupRequest;
  const lookup: Lookup = (apiKey, definition) => {
    const make = current(apiKey, definition);
    if (apiKey !== PRODUCE) return make;
    return (args) => {
      const built = make(args);
      return { ...built, response: { ...built.response, parse: keepPartial(built.response.parse) } };
    };
  };
  Object.defineProperty(broker, 'lookupRequest', {
    configurable: true,
    enumerable: true,
    get: () => lookup,
    set: (next: Lookup) => {
      current = next;
    },
  });
}

/** kafkajs' parse, except that an answer whose only failures are unknown partitions, next to a write, is kept. */
function keepPartial(parse: Parse): Parse {
  return async (data) => {
    let written = false;
    let unknown = false;
    let other = false;
    for (const topic of data.topics)
      for (const { errorCode } of topic.partitions) {
        if (errorCode === 0) written = true;
        else if (errorCode === UNKNOWN_TOPIC_OR_PARTITION) unknown = true;
        else other = true;
      }
    return written && unknown && !other ? data : parse(data);
  };
}

/** kafkajs' own error for a partition's `errorCode` in a kept answer (the one it would have thrown). */
export function partitionError(errorCode: number): Error {
  const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
    createErrorFromCode(code: number): Error;
  };
  return createErrorFromCode(errorCode);
}
