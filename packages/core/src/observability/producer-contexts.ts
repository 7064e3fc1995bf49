import { type Context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { getter } from './tracing.ts';

/**
 * The producer context found in an event's headers, remembered for the next event: consecutive
 * events usually carry the same one (the events of one shared `send` span, or of one request), and
 * extracting it again costs a W3C regex and a context per event. The cache holds one entry, keyed
 * by the values of every header the registered propagator reads.
 * One per subscription, so two subscriptions reading the same stream do not evict each other.
 */
export class ProducerContexts {
  #fields: readonly string[] = [];
  #values: Array<string | undefined> = [];
  #parent: Context | undefined;
  /** What the caller derived from `#parent`, dropped with it. */
  #derived: unknown;
  #hasDerived = false;

  /**
   * The context `headers` continue, extracted into the root context: an event's handler continues
   * its producer and nothing else, whatever context the transport happened to deliver it in.
   * `fields`: the propagator's `fields()`, when the caller asked once for many events (the W3C
   * propagator makes a new array per call).
   */
  parentOf(
    headers: Readonly<Record<string, string>>,
    fields: readonly string[] = propagation.fields(),
  ): Context {
    if (this.#parent !== undefined && this.#same(fields, headers)) return this.#parent;
    this.#fields = fields;
    this.#values = fields.map((name) => headers[name]);
    this.#derived = undefined;
    this.#hasDerived = false;
    this.#parent = propagation.extract(ROOT_CONTEXT, headers, getter);
    return this.#parent;
  }

  /**
   * What the caller derives from a parent (the unsampled-parent shortcut, or `undefined` for "start
   * a span"): made once for the last parent and reused while it repeats.
   */
  derived<T>(parent: Context, derive: (parent: Context) => T): T {
    if (parent !== this.#parent) return derive(parent);
    if (!this.#hasDerived) {
      this.#derived = derive(parent);
      this.#hasDerived = true;
    }
    return this.#derived as T;
  }

  #same(fields: readonly string[], headers: Readonly<Record<string, string>>): boolean {
    const known = this.#fields;
    if (fields.length !== known.length) return false;
    for (let i = 0; i < fields.length; i++) {
      if (fields[i] !== known[i] || headers[fields[i]!] !== this.#values[i]) return false;
    }
    return true;
  }
}
