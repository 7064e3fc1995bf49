/**
 * The event envelope: CloudEvents 1.0 context attributes plus the ordering key, tenant and
 * correlation extensions, and free headers. `data` is the decoded payload.
 */
export interface EventEnvelope<TData = unknown> {
  /** Unique id, a UUIDv7 (time-ordered) unless the publisher set one. */
  readonly id: string;
  /** CloudEvents `type`, e.g. `order.placed`. */
  readonly type: string;
  /** CloudEvents `source`: the publishing service (the bus's `source` option). */
  readonly source: string;
  readonly specversion: '1.0';
  /** RFC 3339 timestamp of creation. */
  readonly time: string;
  readonly subject?: string;
  /** Media type of `data` on the wire, set by the codec (e.g. `application/json`). */
  readonly datacontenttype: string;
  readonly dataschema?: string;
  /** Ordering and partition key: events with the same key are handled in publish order. */
  readonly key?: string;
  readonly tenant?: string;
  readonly correlationid?: string;
  /** Free headers: extensions, `traceparent`/`tracestate` and user headers (string values). */
  readonly headers: Readonly<Record<string, string>>;
  readonly data: TData;
}

/** What a caller hands to `publish`: the parts of an envelope the bus does not fill in. */
export interface EventDraft<TData = unknown> {
  readonly type: string;
  readonly data: TData;
  readonly key?: string;
  readonly id?: string;
  readonly subject?: string;
  /** When it happened: an RFC 3339 timestamp (sent as given) or a Date; publishing time when absent. */
  readonly time?: string | Date;
  readonly tenant?: string;
  readonly correlationId?: string;
  readonly dataschema?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Set by `defineEvent` factories: the schema the bus validates against before publishing. */
  readonly definition?: { readonly validate: (data: unknown) => Promise<unknown> | unknown };
}

/** Per-event options accepted by `defineEvent` factories. */
export type EventOptions = Omit<EventDraft, 'type' | 'data' | 'definition'>;
