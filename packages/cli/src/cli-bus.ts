import {
  type Codec,
  createEventBus,
  type EventBus,
  type EventDraft,
  jsonCodec,
  type PublishMiddleware,
  type PublishReceipt,
  type Transport,
} from '@switchyard/core';

/**
 * CloudEvents attributes a bus sets or checks itself, which a redrive must carry over from the
 * original as they were: `time` too, which a draft must give as RFC 3339 while a stored event may
 * hold anything (an older version's or another producer's).
 */
export interface OriginalAttributes {
  readonly source: string;
  readonly datacontenttype: string;
  readonly time?: string;
}

/**
 * The CLI's bus: JSON for what an operator types, and bytes passed through untouched for events
 * republished as they were (a dead letter's data is sent exactly as it arrived, whatever its
 * content type).
 */
const jsonOrBytes: Codec = {
  contentType: jsonCodec.contentType,
  encode: (data) => (data instanceof Uint8Array ? data : jsonCodec.encode(data)),
  decode: jsonCodec.decode,
};

export interface CliBus {
  readonly bus: EventBus;
  /** Publishes `draft` with the original `source`, content type and time instead of the CLI's own. */
  republish(
    topic: string,
    draft: EventDraft<Uint8Array> & { id: string },
    original: OriginalAttributes,
  ): Promise<PublishReceipt>;
}

/**
 * A Switchyard bus over the backend's transport, so receipts, tracing and the wire format are the
 * library's. Failures nobody awaits (there should be none: the CLI awaits every publish) go to `onError`.
 */
export function createCliBus(transport: Transport, source: string, onError: (error: Error) => void): CliBus {
  const originals = new Map<string, OriginalAttributes>();
  // Publish middleware sees the finished envelope before it is encoded: the one place a bus lets a
  // caller set `source` and `datacontenttype`.
  const restoreOriginal: PublishMiddleware = (next) => (topic, envelope) => {
    const original = originals.get(envelope.id);
    if (original === undefined) return next(topic, envelope);
    originals.delete(envelope.id);
    return next(topic, { ...envelope, ...original });
  };
  const bus = createEventBus({
    source,
    transport,
    codec: jsonOrBytes,
    publishMiddleware: [restoreOriginal],
    onError,
  });
  return {
    bus,
    republish(topic, draft, original) {
      originals.set(draft.id, original);
      return bus.publish(topic, draft).finally(() => originals.delete(draft.id));
    },
  };
}
