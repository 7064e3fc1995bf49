import { randomUUID } from 'node:crypto';
import {
  createEventBus,
  type EventBus,
  type EventBusOptions,
  type Transport,
  type TransportCapabilities,
} from '@switchyard/core';
import type { InboundMessage } from '@switchyard/core/transport';
import { waitFor } from './wait.ts';

export interface ConformanceOptions {
  /** Shown in the suite name: `conformance: <name>`. */
  readonly name: string;
  /** Makes a fresh, unconnected transport. Called once per bus; buses in one case must see each other's events. */
  readonly createTransport: () => Transport | Promise<Transport>;
  /** Overrides of what the transport declares (to mark a capability as not tested here). */
  readonly capabilities?: Partial<TransportCapabilities>;
  /** Longest a single wait for events may take, in ms. @default 20000 */
  readonly waitTimeoutMs?: number;
  /** Partitions to create each case's topic with, where the transport has topic admin. @default 4 */
  readonly partitions?: number;
  /** Set false to skip when the transport factory cannot run (e.g. no broker locally). @default true */
  readonly enabled?: boolean;
}

/** Per-case fixture: unique topics, buses that close themselves, bounded waits. */
export class CaseHarness {
  readonly #buses: EventBus[] = [];
  readonly #transports: Transport[] = [];
  readonly #stops: Array<() => Promise<void>> = [];
  readonly id = randomUUID().slice(0, 8);

  readonly options: ConformanceOptions;
  readonly capabilities: TransportCapabilities;
  readonly caseName: string;
  constructor(options: ConformanceOptions, capabilities: TransportCapabilities, caseName: string) {
    this.options = options;
    this.capabilities = capabilities;
    this.caseName = caseName;
  }

  get waitTimeoutMs(): number {
    return this.options.waitTimeoutMs ?? 20_000;
  }

  /** A topic no other case or run uses. */
  topic(suffix = ''): string {
    const slug = this.caseName
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40)
      .toLowerCase();
    return `conf.${slug}.${this.id}${suffix}`;
  }

  /**
   * A consumer group no other case or run uses. On Kafka a group spans topics and processes: a
   * fixed name shared by cases running at once (or by the kafkajs and platformatic runs, whose
   * members use different assignors) rebalances or refuses members of unrelated cases.
   */
  group(name: string): string {
    return `${name}.${this.id}`;
  }

  async bus(options: Partial<EventBusOptions> = {}): Promise<EventBus> {
    const bus = createEventBus({
      source: 'conformance',
      onError: () => {},
      ...options,
      transport: await this.options.createTransport(),
    });
    this.#buses.push(bus);
    return bus;
  }

  /** Creates the topic (and its dead-letter topic) with enough partitions to share work. */
  async ensureTopics(bus: EventBus, ...topics: string[]): Promise<void> {
    if (!this.capabilities.topicAdmin) return;
    for (const name of topics) {
      await bus.ensureTopic({ name, partitions: this.options.partitions ?? 4, strategy: 'create-or-update' });
    }
  }

  /** A raw transport, for sending bytes the bus would never produce and reading dead letters as they are. */
  async rawTransport(): Promise<Transport> {
    const transport = await this.options.createTransport();
    await transport.connect();
    this.#transports.push(transport);
    return transport;
  }

  /** Reads a topic below the bus (no decoding), acking everything; returns what arrived so far. */
  async rawConsume(topic: string, group = `raw-${this.id}`): Promise<InboundMessage[]> {
    const transport = await this.rawTransport();
    const seen: InboundMessage[] = [];
    const handle = await transport.consume(
      { topic, group, prefetch: 100, startFrom: 'earliest', maxDeliveries: 100, ackTimeoutMs: 30_000 },
      (messages) => {
        for (const m of messages) {
          seen.push(m);
          m.ack();
        }
      },
    );
    this.#stops.push(() => handle.stop());
    return seen;
  }

  /** Waits for a condition, polling; fails with `what` after the bounded wait. */
  waitFor(what: string, check: () => boolean, timeoutMs = this.waitTimeoutMs): Promise<void> {
    return waitFor(what, check, timeoutMs);
  }

  async cleanup(): Promise<void> {
    for (const stop of this.#stops.splice(0)) await stop().catch(() => undefined);
    await Promise.allSettled(this.#buses.splice(0).map((bus) => bus.close({ drainTimeoutMs: 2_000 })));
    await Promise.allSettled(this.#transports.splice(0).map((t) => t.close()));
  }
}

export { sleep } from './wait.ts';
