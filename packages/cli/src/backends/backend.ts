import type { Logger, Transport } from '@switchyard/core';

/** The transports the CLI knows, each with one backend module beside this file. */
export const BACKENDS = ['kafka', 'nats', 'redis'] as const;
export type BackendName = (typeof BACKENDS)[number];

type Env = Readonly<Record<string, string | undefined>>;

/** One message as the broker holds it, before any decoding. */
export interface RawRecord {
  readonly topic: string;
  /** Where it sits, as one string: `<partition>:<offset>` on Kafka, the stream sequence on NATS, the entry id on Redis. */
  readonly position: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly sequence?: number;
  readonly key: string | undefined;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** The broker's timestamp of the message. */
  readonly timestamp: Date;
}

export type StartAt =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'time'; readonly time: Date };

export interface ReadOptions {
  readonly from: StartAt;
  /**
   * `false`: stop at the end of the topic as it was when reading started (a scan). `true`: keep
   * following new messages until `signal` aborts.
   */
  readonly follow: boolean;
  readonly signal?: AbortSignal;
}

/**
 * Called for each record in order (per partition on Kafka); the next one waits until it settles.
 * Returning `false` stops the read.
 */
export type OnRecord = (record: RawRecord) => Promise<boolean | undefined> | boolean | undefined;

export interface TopicInfo {
  readonly name: string;
  /** Kafka partitions; NATS streams have one. */
  readonly partitions: number;
  /** Messages retained now (Kafka: sum of high − low watermarks, which counts compacted gaps). */
  readonly messages: number;
  readonly bytes?: number;
  /** `-1` for no time limit. */
  readonly retentionMs?: number;
  /** Broker-specific facts: replication, cleanup policy, stream name and subjects … */
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

export interface PartitionLag {
  /** Kafka partition number, or the stream name on NATS. */
  readonly partition: string;
  /** The group's committed offset, or the consumer's acknowledged floor. */
  readonly committed?: string;
  /** The topic's end (Kafka high watermark, NATS last sequence). */
  readonly end?: string;
  readonly lag: number;
}

export interface GroupLag {
  readonly group: string;
  readonly topic: string;
  /** Events published but not yet acknowledged by the group. */
  readonly lag: number;
  /** The group has a position on this topic (Kafka: a committed offset; NATS: a durable consumer). */
  readonly known: boolean;
  readonly partitions: readonly PartitionLag[];
  /** NATS: delivered but not yet acknowledged. */
  readonly ackPending?: number;
  /** NATS: redelivered and still unacknowledged. */
  readonly redelivered?: number;
}

/**
 * What the CLI needs from one broker. Publishing and topic creation go through a real Switchyard
 * bus on `createTransport()`; what the Transport port does not offer (reading without a group,
 * listing topics, group lag, deleting a dead letter) uses the broker's own client here.
 */
export interface Backend {
  readonly name: BackendName;
  /** Prefix of CloudEvents attribute headers on this broker (`ce_` Kafka, `ce-` NATS). */
  readonly headerPrefix: string;
  /** Where the CLI connects, without credentials (for messages). */
  readonly endpoint: string;
  /** A Switchyard transport from the same settings, for the CLI's bus. */
  createTransport(): Transport;
  /** Every topic (Kafka's internal `__…` topics left out) whose name `matches`, sorted by name. */
  listTopics(matches?: (name: string) => boolean): Promise<TopicInfo[]>;
  /** `undefined` when the topic does not exist. */
  describeTopic(topic: string): Promise<TopicInfo | undefined>;
  /** Reads a topic without joining or disturbing any consumer group. */
  read(topic: string, options: ReadOptions, onRecord: OnRecord): Promise<void>;
  /** Lag of every group reading `topic`, or of `group` only. */
  lag(topic: string, group?: string): Promise<GroupLag[]>;
  /**
   * Removes one dead letter for good, after it was moved. Brokers whose topics are logs (Kafka)
   * have no per-message delete and leave this out; the redrive journal records what was moved.
   */
  deleteRecord?(record: RawRecord): Promise<void>;
  /**
   * The record a publish receipt points at, for brokers that de-duplicate by event id (NATS): a
   * publish answered "duplicate" stored nothing, and this says what the broker holds instead.
   */
  recordAt?(
    topic: string,
    receipt: { readonly stream?: string; readonly sequence?: number },
  ): Promise<RawRecord | undefined>;
  /** Broker facts for `health`: cluster id, brokers, server version … */
  describeCluster(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A backend from the adapter's environment; its transport logs to `logger`. */
export type BackendFactory = (env: Env, logger: Logger) => Backend;
