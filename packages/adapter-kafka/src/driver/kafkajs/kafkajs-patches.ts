import { createRequire } from 'node:module';
import { dropEmptyBatches } from './kafkajs-empty-batches.ts';
import { kafkajsVersion } from './kafkajs-info.ts';
import { waitForRevokeBeforeRejoin } from './kafkajs-rejoin-wait.ts';

const require = createRequire(import.meta.url);
const CHECK_PENDING_REQUESTS_INTERVAL = 10; // kafkajs' own constant

interface RequestQueueLike {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
}

interface BrokerLike {
  readonly nodeId: number;
  readonly connectionPool: { readonly host: string; readonly port: number };
  disconnect(): Promise<void>;
}

interface BrokerPoolLike {
  brokers: Record<string, BrokerLike>;
  removeBroker(address: { host: string; port: number }): void;
}

let applied = false;
let patched = false;

/** Whether the request-queue, hung-broker, empty-fetch-batch and rejoin-wait patches are in place (kafkajs 2.2.4 only). */
export function kafkajsPatched(): boolean {
  return patched;
}

/**
 * kafkajs 2.2.4 re-arms a timer after every response even when nothing waits, with a negative delay
 * that Node ≥ 23 reports as a TimeoutNegativeWarning and clamps to 1 ms: each connection then spins
 * a 1 ms timer loop for its whole life (kafkajs issues #1704 and #1751; the fix in pull requests
 * #1755/#1768 is unreleased), a steady idle CPU cost (measured in docs/internals/kafka-producer.md).
 * This applies that fix to kafkajs' RequestQueue: schedule a check only while requests wait or the broker throttles.
 * Applied once, and only to the exact kafkajs version it was written against.
 */
export function patchKafkajs(): void {
  if (applied) return;
  applied = true;
  if (kafkajsVersion() !== '2.2.4') return;
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
    prototype: RequestQueueLike & { scheduleCheckPendingRequests(): void };
  };
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(
    this: RequestQueueLike,
  ) {
    if (this.throttleCheckTimeoutId) return;
    let delay = this.throttledUntil - Date.now();
    if (this.pending.length > 0) delay = delay > 0 ? delay : CHECK_PENDING_REQUESTS_INTERVAL;
    else if (delay <= 0) return; // nothing waits and nothing throttles: nothing to check later
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, delay);
  };
  forgetHungBrokers();
  dropEmptyBatches();
  waitForRevokeBeforeRejoin();
  patched = true;
}

/** Brokers whose connect, metadata or produce request timed out: hung, or too slow to wait for. */
const hung = new WeakSet<BrokerLike>();

/**
 * A broker that stops answering (a SIGSTOPped or wedged JVM) keeps its TCP connections open, so
 * kafkajs keeps choosing it: a produce request that timed out is retried on the same broker with
 * the same metadata (a timeout does not refresh it), and a metadata refresh may ask that very
 * broker and retry it in turn. Each retry costs a whole request timeout: ~6 × 10 s with the local
 * profile, while the cluster fenced the broker and moved its partitions after ~6 s.
 *
 * This marks a broker whose connect, metadata or produce request timed out, and before the next
 * metadata refresh takes it out of the client's broker pool (closing its connections once their
 * requests settle), which also makes that refresh happen. The refresh then asks another broker, the
 * retry goes to the partition's new leader with the same producer id and sequence numbers (so the
 * new leader de-duplicates a batch the old one had written), and the hung broker is connected
 * afresh only if the cluster still names it. A pool's last broker is never taken out.
 */
function forgetHungBrokers(): void {
  const Broker = require('kafkajs/src/broker/index.js') as { prototype: Record<string, unknown> };
  for (const method of ['connect', 'metadata', 'produce']) {
    const original = Broker.prototype[method] as (...args: unknown[]) => Promise<unknown>;
    Broker.prototype[method] = async function (this: BrokerLike, ...args: unknown[]) {
      try {
        return await original.apply(this, args);
      } catch (error) {
        if ((error as { name?: string }).name === 'KafkaJSRequestTimeoutError') hung.add(this);
        throw error;
      }
    };
  }
  const BrokerPool = require('kafkajs/src/cluster/brokerPool.js') as {
    prototype: Record<string, unknown>;
  };
  for (const method of ['refreshMetadata', 'refreshMetadataIfNecessary']) {
    const original = BrokerPool.prototype[method] as (...args: unknown[]) => Promise<unknown>;
    BrokerPool.prototype[method] = function (this: BrokerPoolLike, ...args: unknown[]) {
      for (const broker of Object.values(this.brokers)) {
        if (!hung.has(broker) || Object.keys(this.brokers).length < 2) continue;
        hung.delete(broker);
        this.removeBroker({ host: broker.connectionPool.host, port: broker.connectionPool.port });
        void broker.disconnect().catch(() => undefined);
      }
      return original.apply(this, args);
    };
  }
}
