import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';
import { EventBusError, type TopicSpec } from '@switchyard/core';
import { toEventBusError } from './map-error.ts';
import { validateNatsTopic } from './names.ts';
import type { ResolvedNatsOptions } from './options.ts';
import { describeDifferences, planStream, type StreamPlan, streamDifferences } from './stream-config.ts';

const NAME_IN_USE = 10058;
/** What nats-server 2.9 may answer the loser of two creates of one stream made at the same moment. */
const SUBJECTS_OVERLAP = 10065;
/** Ignored settings already warned about: a fleet of topics with `partitions: 4` warns once, not per topic. */
const warned = new Set<string>();

/**
 * Topics and their streams: provisions streams for `ensureTopic`, finds (or auto-creates) the
 * stream of a topic on first use, and remembers which topics are ephemeral (core NATS, no stream).
 */
export class TopicAdmin {
  readonly #options: ResolvedNatsOptions;
  readonly #jsm: () => JetStreamManager;
  readonly #supportsCompression: () => boolean;
  readonly #ephemeral: Set<string>;
  /** Topic → stream name, resolved once per topic (failures are forgotten so the next use retries). */
  readonly #streams = new Map<string, Promise<string>>();

  constructor(options: ResolvedNatsOptions, jsm: () => JetStreamManager, supportsCompression: () => boolean) {
    this.#options = options;
    this.#jsm = jsm;
    this.#supportsCompression = supportsCompression;
    this.#ephemeral = new Set(options.ephemeralTopics);
  }

  isEphemeral(topic: string): boolean {
    return this.#ephemeral.has(topic);
  }

  async ensureTopic(spec: TopicSpec): Promise<void> {
    validateNatsTopic(spec.name);
    if (spec.durability === 'ephemeral') {
      this.#ephemeral.add(spec.name);
      this.#streams.delete(spec.name);
      return;
    }
    this.#ephemeral.delete(spec.name);
    if (spec.strategy === 'skip') return;
    const plan = planStream(spec, this.#options, this.#supportsCompression());
    const unwarned = plan.ignored.filter((item) => !warned.has(item));
    if (unwarned.length > 0) {
      for (const item of unwarned) warned.add(item);
      this.#options.logger.warn(
        `topic ${spec.name}: ignoring ${unwarned.join('; ')} (said once per process)`,
      );
    }
    try {
      const existing = await this.#info(plan.stream);
      if (existing !== undefined) assertHoldsTopic(existing, plan);
      switch (spec.strategy) {
        case 'create-only':
          if (existing === undefined) await this.#create(plan);
          break;
        case 'create-or-update':
          if (existing === undefined) await this.#create(plan);
          else await this.#update(existing, plan);
          break;
        case 'validate-only':
          this.#validate(existing, plan);
          break;
        default:
          throw new EventBusError(
            'INVALID_CONFIG',
            `Unknown topic strategy ${JSON.stringify(spec.strategy)}.`,
          );
      }
    } catch (error) {
      throw toEventBusError(error, { operation: 'topic-admin', topic: spec.name });
    }
    this.#streams.set(spec.name, Promise.resolve(plan.stream));
  }

  /**
   * The stream that stores `topic`: the one `ensureTopic` made, else any stream whose subjects cover
   * the topic, else — with `autoCreateTopics` — a new stream with `topicDefaults`.
   */
  streamFor(topic: string): Promise<string> {
    let stream = this.#streams.get(topic);
    if (stream === undefined) {
      stream = this.#resolve(topic);
      stream.catch(() => this.#streams.delete(topic));
      this.#streams.set(topic, stream);
    }
    return stream;
  }

  /** Forgets what is known about a topic's stream (after it was deleted under us). */
  forget(topic: string): void {
    this.#streams.delete(topic);
  }

  async #resolve(topic: string): Promise<string> {
    try {
      try {
        return await this.#jsm().streams.find(topic);
      } catch (error) {
        if (!isStreamNotFound(error)) throw error;
      }
      if (!this.#options.autoCreateTopics) {
        throw new EventBusError(
          'TOPIC_NOT_FOUND',
          `No stream holds topic ${topic}. Call ensureTopic first or enable autoCreateTopics.`,
          {
            details: { topic },
          },
        );
      }
      const plan = planStream(
        { name: topic, strategy: 'create-only' },
        this.#options,
        this.#supportsCompression(),
      );
      await this.#create(plan);
      return plan.stream;
    } catch (error) {
      throw toEventBusError(error, { operation: 'topic-admin', topic });
    }
  }

  async #info(stream: string): Promise<StreamInfo | undefined> {
    try {
      return await this.#jsm().streams.info(stream);
    } catch (error) {
      if (isStreamNotFound(error)) return undefined;
      throw error;
    }
  }

  async #create(plan: StreamPlan): Promise<void> {
    try {
      await this.#jsm().streams.add(plan.create);
    } catch (error) {
      // Another instance created it first: fine, as long as it holds our subject. Two creates at the
      // same moment can leave the loser with "subjects overlap" rather than "name in use" (seen on
      // nats-server 2.9.10 with four instances of a group starting together).
      const raced =
        error instanceof JetStreamApiError && (error.code === NAME_IN_USE || error.code === SUBJECTS_OVERLAP);
      if (!raced) throw error;
      const existing = await this.#info(plan.stream);
      if (existing === undefined) throw error;
      assertHoldsTopic(existing, plan);
    }
  }

  async #update(existing: StreamInfo, plan: StreamPlan): Promise<void> {
    const differences = streamDifferences(existing.config, plan);
    if (differences.length === 0) return;
    const immutable = differences.filter((d) => !d.mutable);
    if (immutable.length > 0) {
      throw mismatch(
        plan,
        `${describeDifferences(immutable)}; these cannot change on an existing stream. Delete and recreate it, or use a new topic`,
      );
    }
    const changes = Object.fromEntries(differences.map((d) => [d.field, d.wanted]));
    await this.#jsm().streams.update(plan.stream, { ...existing.config, ...changes });
  }

  #validate(existing: StreamInfo | undefined, plan: StreamPlan): void {
    if (existing === undefined) {
      throw new EventBusError(
        'TOPIC_NOT_FOUND',
        `Topic ${plan.subject}: stream ${plan.stream} does not exist (strategy validate-only).`,
        {
          details: { topic: plan.subject, stream: plan.stream },
        },
      );
    }
    const differences = streamDifferences(existing.config, plan);
    if (differences.length > 0) throw mismatch(plan, describeDifferences(differences));
  }
}

function assertHoldsTopic(existing: StreamInfo, plan: StreamPlan): void {
  if (!existing.config.subjects?.includes(plan.subject)) {
    throw mismatch(
      plan,
      `the stream exists with subjects ${JSON.stringify(existing.config.subjects ?? [])}, not ${plan.subject}. Set extra.stream or streamPrefix to use another stream name`,
    );
  }
}

function mismatch(plan: StreamPlan, why: string): EventBusError {
  return new EventBusError('TOPIC_MISMATCH', `Topic ${plan.subject} (stream ${plan.stream}): ${why}.`, {
    details: { topic: plan.subject, stream: plan.stream },
  });
}

export function isStreamNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}
