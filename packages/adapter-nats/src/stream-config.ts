import type { StreamConfig } from '@nats-io/jetstream';
import { millis, nanos } from '@nats-io/nats-core';
import { EventBusError, type TopicSpec } from '@switchyard/core';
import { streamNameFor } from './names.ts';
import type { ResolvedNatsOptions } from './options.ts';

/** Stream settings that a plan may set, in the server's units (nanoseconds for durations). */
type PlannedField =
  | 'storage'
  | 'retention'
  | 'num_replicas'
  | 'duplicate_window'
  | 'max_age'
  | 'max_bytes'
  | 'max_msgs'
  | 'max_msg_size'
  | 'discard'
  | 'compression';

/** The spec field that sets each stream setting: what a mismatch tells the user to change. */
const SET_BY: Readonly<Record<PlannedField, string>> = {
  storage: 'extra.storage',
  retention: 'extra.retention',
  num_replicas: 'replicationFactor',
  duplicate_window: 'extra.duplicateWindowMs',
  max_age: 'retentionMs',
  max_bytes: 'retentionBytes',
  max_msgs: 'maxMessages',
  max_msg_size: 'extra.maxMessageBytes',
  discard: 'extra.discard',
  compression: 'compression',
};

/** Stream settings in nanoseconds: a mismatch reports them in ms and a readable unit. */
const DURATIONS: ReadonlySet<PlannedField> = new Set(['duplicate_window', 'max_age']);

/** Fields a stream update may not change (on 2.9 at least): they need a new stream. */
const IMMUTABLE: ReadonlySet<PlannedField> = new Set(['storage', 'retention']);

export interface StreamPlan {
  readonly stream: string;
  readonly subject: string;
  /** The full configuration for creating the stream: spec values over the transport's defaults. */
  readonly create: Partial<StreamConfig> & { name: string; subjects: string[] };
  /** Only what the spec itself asked for: compared on validate, applied on update. */
  readonly requested: Partial<Record<PlannedField, string | number>>;
  /** The spec field behind a requested setting, where it is not the usual one (`SET_BY`). */
  readonly setBy: Partial<Record<PlannedField, string>>;
  /** Spec settings NATS cannot honour, for a warning. */
  readonly ignored: readonly string[];
}

export interface Difference {
  readonly field: PlannedField;
  /** The spec field the user set, e.g. `retentionMs` for `max_age`. */
  readonly option: string;
  readonly wanted: string | number;
  readonly actual: string | number | undefined;
  readonly mutable: boolean;
}

const EXTRA_KEYS = new Set([
  'stream',
  'storage',
  'retention',
  'duplicateWindowMs',
  'discard',
  'maxMessageBytes',
]);

/**
 * Turns a TopicSpec into a JetStream stream configuration: one stream per topic whose only subject
 * is the topic. NATS-specific settings travel in `spec.extra` (`storage`, `retention`,
 * `duplicateWindowMs`, `discard`, `maxMessageBytes`, `stream` to name the stream).
 */
export function planStream(
  spec: TopicSpec,
  options: ResolvedNatsOptions,
  serverSupportsCompression: boolean,
): StreamPlan {
  const extra = spec.extra ?? {};
  const d = options.topicDefaults;
  const requested: Partial<Record<PlannedField, string | number>> = {};
  const setBy: Partial<Record<PlannedField, string>> = {};
  const ignored: string[] = [];
  const set = (field: PlannedField, value: string | number | undefined) => {
    if (value !== undefined) requested[field] = value;
  };
  set('storage', oneOf(extra.storage, ['file', 'memory'], 'extra.storage'));
  set('retention', oneOf(extra.retention, ['limits', 'workqueue', 'interest'], 'extra.retention'));
  set('discard', oneOf(extra.discard, ['old', 'new'], 'extra.discard'));
  set('num_replicas', whole(spec.replicationFactor, 'replicationFactor', 1));
  set('duplicate_window', ms(extra.duplicateWindowMs, 'extra.duplicateWindowMs'));
  set('max_age', ms(spec.retentionMs, 'retentionMs'));
  set('max_bytes', whole(spec.retentionBytes, 'retentionBytes', -1));
  set('max_msgs', whole(spec.maxMessages, 'maxMessages', -1));
  set('max_msg_size', whole(extra.maxMessageBytes, 'extra.maxMessageBytes', -1));
  // The server refuses a duplicate window longer than the max age; a short retention shortens the window with it.
  const maxAge = requested.max_age as number | undefined;
  if (
    maxAge !== undefined &&
    maxAge > 0 &&
    requested.duplicate_window === undefined &&
    nanos(d.duplicateWindowMs) > maxAge
  ) {
    requested.duplicate_window = maxAge;
    setBy.duplicate_window = 'retentionMs (which caps the duplicate window)';
  }
  if (spec.compression !== undefined && spec.compression !== 'none' && spec.compression !== 'producer') {
    if (serverSupportsCompression) requested.compression = 's2';
    else ignored.push(`compression '${spec.compression}' (stream compression needs nats-server 2.10+)`);
  }
  if (spec.partitions !== undefined && spec.partitions > 1) {
    ignored.push(
      `partitions ${spec.partitions} (a JetStream stream is not partitioned; order holds per subscriber instance)`,
    );
  }
  if (spec.cleanupPolicy === 'compact')
    ignored.push("cleanupPolicy 'compact' (JetStream keeps events by age, size and count)");
  for (const key of Object.keys(extra))
    if (!EXTRA_KEYS.has(key)) ignored.push(`extra.${key} (unknown to the NATS transport)`);

  const stream =
    typeof extra.stream === 'string' && extra.stream.length > 0
      ? extra.stream
      : streamNameFor(spec.name, options.streamPrefix);
  const create = {
    name: stream,
    subjects: [spec.name],
    storage: d.storage,
    retention: d.retention,
    num_replicas: d.replicas,
    duplicate_window: nanos(d.duplicateWindowMs),
    max_age: nanos(d.maxAgeMs),
    max_bytes: d.maxBytes,
    max_msgs: d.maxMessages,
    ...requested,
  } as StreamPlan['create'];
  return { stream, subject: spec.name, create, requested, setBy, ignored };
}

/** What the spec asked for that the existing stream does not have. */
export function streamDifferences(actual: StreamConfig, plan: StreamPlan): Difference[] {
  const differences: Difference[] = [];
  for (const [field, wanted] of Object.entries(plan.requested) as Array<[PlannedField, string | number]>) {
    const have = (actual as unknown as Record<string, string | number | undefined>)[field];
    const same = field === 'compression' ? (have ?? 'none') === wanted : have === wanted;
    if (!same) {
      const option = plan.setBy[field] ?? SET_BY[field];
      differences.push({ field, option, wanted, actual: have, mutable: !IMMUTABLE.has(field) });
    }
  }
  return differences;
}

/** `retentionMs wants 1 s (1000 ms), the stream's max_age is 7 d (604800000 ms); …` */
export function describeDifferences(differences: readonly Difference[]): string {
  return differences
    .map(
      (d) =>
        `${d.option} wants ${describeValue(d.field, d.wanted)}, the stream's ${d.field} is ${describeValue(d.field, d.actual)}`,
    )
    .join('; ');
}

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1_000],
] as const;

function describeValue(field: PlannedField, value: string | number | undefined): string {
  if (value === undefined) return 'not set';
  if (!DURATIONS.has(field) || typeof value !== 'number') return String(value);
  const ms = millis(value);
  if (ms === 0) return field === 'max_age' ? 'unlimited (0)' : '0 ms';
  const unit = UNITS.find(([, size]) => ms >= size);
  return unit === undefined ? `${ms} ms` : `${Number((ms / unit[1]).toFixed(2))} ${unit[0]} (${ms} ms)`;
}

function oneOf(value: unknown, allowed: readonly string[], field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && allowed.includes(value)) return value;
  throw specError(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

function whole(value: unknown, field: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
  throw specError(field, `must be a whole number >= ${min}, got ${JSON.stringify(value)}`);
}

function ms(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return nanos(value);
  throw specError(field, `must be a duration in ms >= 0, got ${JSON.stringify(value)}`);
}

function specError(field: string, problem: string): EventBusError {
  return new EventBusError('INVALID_CONFIG', `Invalid topic setting \`${field}\`: ${problem}`, {
    details: { field },
  });
}
