import type { Span } from '@opentelemetry/api';
import type { EventEnvelope } from '../envelope.ts';
import type { SharedSendSpan } from '../observability/shared-send-span.ts';
import type { OutboundMessage, TransportReceipt } from '../transport.ts';
import type { PublishReceipt } from '../types.ts';
import type { BatchSlot } from './batch-receipts.ts';

/**
 * Who hears of an event's outcome: a `publish` gets a promise of its receipt (`undefined` here), an
 * `emit` names who hears of its failure, an event of a `publishBatch` has its slot in the batch.
 */
export type Recipient = undefined | ((error: Error) => void) | BatchSlot;

/**
 * One event from `publish` to its settlement. It is also the wire message handed to the
 * transport (`OutboundMessage`'s fields first): one object per event, not a message, an entry and
 * an array of messages per send. Transports read the message fields only.
 */
export class Pending implements OutboundMessage {
  readonly topic: string;
  readonly key: string | undefined;
  readonly value: Uint8Array;
  /** Built by `wireHeaders` for this event: trace context is written into it (at send time for a shared span). */
  readonly headers: Record<string, string>;
  readonly id: string;
  /** Encoded bytes held in the publish buffer. */
  bytes = 0;
  span: Span | undefined = undefined;
  /**
   * The envelope of an event published outside any trace: its `send` span is shared with its
   * send's other such events, and its trace context written into `headers` at send time.
   */
  deferred: EventEnvelope | undefined = undefined;
  shared: SharedSendSpan | undefined = undefined;
  started = 0;
  /** `ignoreReceipt` for an emit: nobody awaits it, so no receipt is made. */
  resolve: (receipt: PublishReceipt) => void = ignoreReceipt;
  reject: (error: Error) => void = ignoreError;
  /** Where a `publishBatch` event settles, instead of `resolve`/`reject`. */
  slot: BatchSlot | undefined = undefined;
  /** Settled already (the transport reported its outcome before the whole send finished). */
  done = false;

  constructor(
    topic: string,
    key: string | undefined,
    value: Uint8Array,
    headers: Record<string, string>,
    id: string,
  ) {
    this.topic = topic;
    this.key = key;
    this.value = value;
    this.headers = headers;
    this.id = id;
  }
}

/** The `resolve` of an emitted event's entry. */
export const ignoreReceipt = (_receipt: PublishReceipt): void => {};
/** Replaced before the entry is queued; only there to give the field one shape. */
export const ignoreError = (_error: Error): void => {};

export function toReceipt(message: OutboundMessage, r: TransportReceipt): PublishReceipt {
  const receipt: { -readonly [K in keyof PublishReceipt]: PublishReceipt[K] } = {
    id: message.id,
    topic: message.topic,
  };
  if (r.partition !== undefined) receipt.partition = r.partition;
  if (r.offset !== undefined) receipt.offset = r.offset;
  if (r.stream !== undefined) receipt.stream = r.stream;
  if (r.sequence !== undefined) receipt.sequence = r.sequence;
  if (r.duplicate !== undefined) receipt.duplicate = r.duplicate;
  return receipt;
}

/** The size `publish` checks against its limits: value, key and header names and values. */
export function encodedSize(message: OutboundMessage): number {
  let size = message.value.byteLength + (message.key?.length ?? 0);
  for (const name in message.headers) size += name.length + message.headers[name]!.length;
  return size;
}
