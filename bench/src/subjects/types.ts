import type { PublishMode } from '../measure/publish.ts';
import type { BenchData } from '../payload.ts';

/** One message to send: its key and data; each subject encodes it the way its users would. */
export interface Outgoing {
  readonly key: string;
  readonly data: BenchData;
}

/** The producing side of a subject, living in a worker process. */
export interface ProducerClient {
  /** Sends one message and resolves when the broker acknowledged it. */
  publish(topic: string, message: Outgoing): Promise<void>;
  /**
   * Sends `count` messages as fast as the subject's best documented way allows with at most
   * `inFlight` messages unacknowledged; resolves when all are acknowledged.
   */
  publishMany(topic: string, count: number, make: (i: number) => Outgoing, inFlight: number): Promise<void>;
  /**
   * The client's batch call (Switchyard's `publishBatch`, kafkajs' `sendBatch`, @platformatic/kafka's
   * `send` of many messages): calls of `inFlight` messages, one at a time; resolves when all are
   * acknowledged. Absent when the client has no batch call (nats.js, ioredis: they pipeline single
   * publishes, which is their `publishMany`).
   */
  publishBatches?(
    topic: string,
    count: number,
    make: (i: number) => Outgoing,
    inFlight: number,
  ): Promise<void>;
  /** Fire and forget, then wait until everything is confirmed. Absent when the subject has no such form. */
  emitMany?(topic: string, count: number, make: (i: number) => Outgoing): Promise<void>;
  /** Sends without awaiting (open-loop rate tests); failures are counted, never thrown. */
  send(topic: string, message: Outgoing, onError: (error: unknown) => void): void;
  close(): Promise<void>;
}

export interface ConsumerClient {
  /** Starts consuming `topic` as `group` from the earliest retained message; resolves once assigned/ready. */
  subscribe(topic: string, group: string, onData: (data: BenchData) => void): Promise<void>;
  close(): Promise<void>;
}

/** Settings a scenario passes to a subject: preset, codec, batching overrides, tracing mode. */
export type SubjectConfig = Readonly<Record<string, string | number | boolean>>;

/** A subject's name and the scenarios it joins, without its client (what a skipped row needs). */
export type SubjectInfo = Pick<
  Subject,
  'id' | 'label' | 'kind' | 'extra' | 'consumeOnly' | 'onlyPublishModes'
>;

/** A subject that cannot run here now (its client or adapter does not load), and why. */
export type MissingSubject = SubjectInfo & { readonly reason: string };

export interface Subject {
  /** Stable id used on the command line and in results, e.g. `switchyard`, `kafkajs`, `nats.js`. */
  readonly id: string;
  /** Shown in tables. */
  readonly label: string;
  readonly kind: 'switchyard' | 'raw';
  /** A variant measured only where it explains a gap (publish families), not in every scenario. */
  readonly extra?: boolean;
  /**
   * A consume peer doing a Switchyard subscription's work with the raw client (`+same` ids): measured
   * in the consume scenario, where `× raw (same work)` compares against it, and not in the publish
   * families. `nats.js+same` also runs in the latency scenario (scenarios/driver-peers.ts).
   */
  readonly consumeOnly?: boolean;
  /**
   * A producer peer for one call shape (`platformatic+each`: one `send` per event): measured only in
   * these modes of the publish scenario, and in no other scenario.
   */
  readonly onlyPublishModes?: readonly PublishMode[];
  /** Creates the topic (stream) this subject's runs use; the Switchyard subjects go through `bus.ensureTopic`. */
  prepareTopic(
    topic: string,
    config: SubjectConfig,
    env: Record<string, string>,
    options: { readonly partitions: number },
  ): Promise<void>;
  producer(config: SubjectConfig, env: Record<string, string>): Promise<ProducerClient>;
  consumer(config: SubjectConfig, env: Record<string, string>): Promise<ConsumerClient>;
}

export type Probe =
  | { readonly ok: true; readonly version: string; readonly details?: Record<string, unknown> }
  | { readonly ok: false; readonly reason: string };

/** One module per transport plugs its subjects in here. */
export interface TransportModule {
  readonly transport: string;
  /** Checks the broker is reachable and says what it is; never throws. */
  probe(env: Record<string, string>): Promise<Probe>;
  /**
   * Loads one subject in a worker without loading the others (optional; default: pick from
   * `subjects()`). Needed where loading one subject's client changes another's (adapter patches).
   */
  load?(id: string): Promise<Subject>;
  /**
   * Deletes the topics (streams) whose names contain `marker` — the ones a run created — so
   * benchmarks do not fill the broker's disk or JetStream's store. Never throws.
   */
  cleanup?(env: Record<string, string>, marker: string): Promise<number>;
  /** Which subjects exist right now (an adapter that does not load yet is absent, with the reason). */
  subjects(): Promise<{
    readonly available: Subject[];
    readonly missing: MissingSubject[];
  }>;
}
