import { type Codec, jsonCodec } from './codec.ts';
import type { DeadLetterReason } from './consume/dead-letter.ts';
import { definedFields } from './defined-fields.ts';
import { configError } from './errors.ts';
import type { ConsumeMiddleware, PublishMiddleware } from './middleware.ts';
import { type ConsoleReporter, consoleReporter } from './observability/console-reporter.ts';
import { checkKnownKeys } from './option-checks.ts';
import type { PublishBufferLimits } from './publish/publish-buffer.ts';
import type { Transport } from './transport.ts';

export interface ErrorReport {
  /**
   * What failed: a fire-and-forget publish (`emit`), an event a subscription could not handle and
   * dead-lettered (`handle`, with the handler's or decoder's error) or dropped (`drop`, dead-lettering
   * off), a dead-letter send (`dead-letter`), a transport hiccup (`consume`, `close`).
   */
  readonly operation: 'emit' | 'handle' | 'dead-letter' | 'drop' | 'consume' | 'close';
  readonly topic?: string;
  readonly group?: string;
  readonly eventId?: string;
  /** `handle` and `drop`: why the event could not be handled. */
  readonly reason?: DeadLetterReason;
  /** `handle` and `drop`: attempts made, the first included. */
  readonly attempts?: number;
  /** `handle`: where the event went. */
  readonly deadLetterTopic?: string;
}

export interface EventBusOptions {
  /** Where events travel. @default the in-memory transport */
  readonly transport?: Transport;
  /** CloudEvents `source` of published events and the default consumer group. */
  readonly source: string;
  /** Codec for published data. @default jsonCodec */
  readonly codec?: Codec;
  /** Extra codecs for reading, by content type; the publish codec and JSON are always readable. */
  readonly codecs?: readonly Codec[];
  /**
   * Largest encoded event (data plus headers) accepted by `publish`, in bytes; capped by the transport's limit.
   * @default 1048576 (1 MiB)
   */
  readonly maxEventBytes?: number;
  readonly publishBuffer?: {
    /** Events awaiting the broker before `publish` waits. @default 100000 */
    readonly maxMessages?: number;
    /** Bytes awaiting the broker before `publish` waits. @default 67108864 (64 MiB) */
    readonly maxBytes?: number;
    /** `wait` for room, or `fail` fast with a retriable BUFFER_FULL. @default 'wait' */
    readonly whenFull?: 'wait' | 'fail';
    /**
     * With `whenFull: 'wait'`: publishes and emits allowed to wait for room at once. Beyond it they
     * fail fast with BUFFER_FULL (emits: reported to `onError`), so a stalled broker costs bounded memory.
     * @default 10000
     */
    readonly maxWaitingMessages?: number;
    /** Encoded bytes the waiting publishes may hold. @default 16777216 (16 MiB) */
    readonly maxWaitingBytes?: number;
  };
  readonly publishMiddleware?: readonly PublishMiddleware[];
  readonly consumeMiddleware?: readonly ConsumeMiddleware[];
  /**
   * Called for failures nobody awaits: emits, events dead-lettered or dropped, dead-letter sends.
   * @default one line per report on console.error, at most 10 per operation and topic every 10 s
   */
  readonly onError?: (error: Error, report: ErrorReport) => void;
  /**
   * Start producer and consumer spans: `true`, `false` (none, even with a tracer provider
   * registered), or options.
   * @default true
   */
  readonly tracing?: boolean | TracingOptions;
  /** Default deadline for draining handlers on close, in ms. @default 30000 */
  readonly drainTimeoutMs?: number;
}

export interface TracingOptions {
  /**
   * How the bus treats a trace that is not sampled: an event whose producer's trace was not
   * sampled (a remote parent without the sampled flag), and a publish made inside an unsampled
   * span (with `'follow'` it carries that span's context as it is, no `send` span).
   * - `'follow'`: keep the producer's decision without asking the SDK: no `process` span is
   *   started; the handler runs in the producer's span context (as a local parent), so what it
   *   publishes continues the same unsampled trace. This is the answer the SDK's default
   *   `ParentBasedSampler` gives, whatever its root and local-parent settings, without the
   *   sampler call, span id and attribute copy per event (measured in docs/internals/tracing-cost.md).
   * - `'sampler'`: start the `process` span through the SDK like any other, for samplers that may
   *   record under an unsampled remote parent (`ParentBasedSampler` with `remoteParentNotSampled`
   *   set, or a sampler of your own).
   * @default 'follow'
   */
  readonly unsampledParent?: 'follow' | 'sampler';
  /**
   * The `send` span of an event published outside any trace (no active span, no baggage: nothing
   * to continue), such as a batch job or a timer's publishes.
   * - `'per-send'`: the events of one topic that leave in the same transport send (every publish
   *   of one tick) share one `send <topic>` span and so one trace and one sampling decision; with
   *   more than one event it carries `messaging.batch.message_count` and no per-event attributes
   *   (the `process` spans have them). One event alone gets a span like `'per-event'`'s.
   * - `'per-event'`: every such event starts a trace of its own. Costs a root span (sampler, two
   *   random ids, an attribute copy) per event even when the trace is not sampled (measured in
   *   docs/internals/tracing-cost.md).
   * Events published inside a trace always get their own `send` span, a child of the active one.
   * @default 'per-send'
   */
  readonly rootSpans?: 'per-send' | 'per-event';
}

export interface ResolvedBusOptions {
  readonly source: string;
  readonly codec: Codec;
  readonly codecs: ReadonlyMap<string, Codec>;
  readonly maxEventBytes: number;
  readonly publishBuffer: PublishBufferLimits;
  readonly publishMiddleware: readonly PublishMiddleware[];
  readonly consumeMiddleware: readonly ConsumeMiddleware[];
  /** The application's hook (or the console reporter), made never to throw. */
  readonly onError: (error: Error, report: ErrorReport) => void;
  /** The default `onError` when the application gave none: flushed on close. */
  readonly consoleReporter: ConsoleReporter | undefined;
  readonly tracing: boolean;
  readonly unsampledParent: 'follow' | 'sampler';
  readonly rootSpans: 'per-send' | 'per-event';
  readonly drainTimeoutMs: number;
}

export const DEFAULT_BUS_OPTIONS = {
  maxEventBytes: 1_048_576,
  publishBuffer: {
    maxMessages: 100_000,
    maxBytes: 64 * 1_048_576,
    whenFull: 'wait' as const,
    maxWaitingMessages: 10_000,
    maxWaitingBytes: 16 * 1_048_576,
  },
  tracing: true,
  unsampledParent: 'follow' as const,
  rootSpans: 'per-send' as const,
  drainTimeoutMs: 30_000,
};

/** Every option's name: a misspelled one (`transprot`: a bus on the in-memory transport) is refused, not ignored. */
const BUS_OPTION_KEYS = Object.keys({
  transport: true,
  source: true,
  codec: true,
  codecs: true,
  maxEventBytes: true,
  publishBuffer: true,
  publishMiddleware: true,
  consumeMiddleware: true,
  onError: true,
  tracing: true,
  drainTimeoutMs: true,
} satisfies Record<keyof EventBusOptions, true>);
const TRACING_OPTION_KEYS = Object.keys({
  unsampledParent: true,
  rootSpans: true,
} satisfies Record<keyof TracingOptions, true>);

export function resolveBusOptions(options: EventBusOptions): ResolvedBusOptions {
  checkKnownKeys(options, BUS_OPTION_KEYS, '');
  if (options.publishBuffer !== undefined)
    checkKnownKeys(options.publishBuffer, Object.keys(DEFAULT_BUS_OPTIONS.publishBuffer), 'publishBuffer.');
  if (typeof options.tracing === 'object' && options.tracing !== null)
    checkKnownKeys(options.tracing, TRACING_OPTION_KEYS, 'tracing.');
  if (typeof options.source !== 'string' || options.source.length === 0) {
    throw configError('source', 'give the name of the publishing service, e.g. "orders-svc"');
  }
  // The transport's own limit is applied at publish time: some brokers only tell it after connecting.
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_BUS_OPTIONS.maxEventBytes;
  if (!(maxEventBytes > 0)) throw configError('maxEventBytes', `must be > 0, got ${options.maxEventBytes}`);
  const publishBuffer = { ...DEFAULT_BUS_OPTIONS.publishBuffer, ...definedFields(options.publishBuffer) };
  if (!(publishBuffer.maxMessages >= 1)) throw configError('publishBuffer.maxMessages', 'must be >= 1');
  if (!(publishBuffer.maxBytes >= 1)) throw configError('publishBuffer.maxBytes', 'must be >= 1');
  if (!(publishBuffer.maxWaitingMessages >= 0))
    throw configError('publishBuffer.maxWaitingMessages', 'must be >= 0');
  if (!(publishBuffer.maxWaitingBytes >= 0))
    throw configError('publishBuffer.maxWaitingBytes', 'must be >= 0');
  if (publishBuffer.whenFull !== 'wait' && publishBuffer.whenFull !== 'fail') {
    throw configError(
      'publishBuffer.whenFull',
      `must be 'wait' or 'fail', got ${String(publishBuffer.whenFull)}`,
    );
  }
  const codec = options.codec ?? jsonCodec;
  const codecs = new Map<string, Codec>();
  for (const c of [jsonCodec, ...(options.codecs ?? []), codec]) codecs.set(c.contentType.toLowerCase(), c);
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_BUS_OPTIONS.drainTimeoutMs;
  if (!(drainTimeoutMs >= 0)) throw configError('drainTimeoutMs', 'must be >= 0');
  const tracing = options.tracing ?? DEFAULT_BUS_OPTIONS.tracing;
  const unsampledParent =
    (typeof tracing === 'object' ? tracing.unsampledParent : undefined) ??
    DEFAULT_BUS_OPTIONS.unsampledParent;
  if (unsampledParent !== 'follow' && unsampledParent !== 'sampler') {
    throw configError(
      'tracing.unsampledParent',
      `must be 'follow' or 'sampler', got ${String(unsampledParent)}`,
    );
  }
  const rootSpans =
    (typeof tracing === 'object' ? tracing.rootSpans : undefined) ?? DEFAULT_BUS_OPTIONS.rootSpans;
  if (rootSpans !== 'per-send' && rootSpans !== 'per-event') {
    throw configError('tracing.rootSpans', `must be 'per-send' or 'per-event', got ${String(rootSpans)}`);
  }
  const reporter = options.onError === undefined ? consoleReporter() : undefined;
  return {
    source: options.source,
    codec,
    codecs,
    maxEventBytes,
    publishBuffer,
    publishMiddleware: options.publishMiddleware ?? [],
    consumeMiddleware: options.consumeMiddleware ?? [],
    onError: neverThrowing(options.onError ?? reporter!),
    consoleReporter: reporter,
    tracing: tracing !== false,
    unsampledParent,
    rootSpans,
    drainTimeoutMs,
  };
}

/**
 * The error hook as the bus calls it: a hook that throws (a logger that is down) must not undo what
 * the bus decided, an ack or a close, nor become an unhandled rejection.
 */
function neverThrowing(
  hook: (error: Error, report: ErrorReport) => void,
): (error: Error, report: ErrorReport) => void {
  return (error, report) => {
    try {
      hook(error, report);
    } catch {
      // reported nowhere else: the hook was the place to report
    }
  };
}
