import { type Context, ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';

/**
 * The key `trace.setSpan` stores a span under, learnt by asking `trace.getSpan` to read a context
 * (the API derives it with `Symbol.for`, so every copy of the API agrees on it).
 */
const SPAN_KEY: symbol = (() => {
  let key: symbol | undefined;
  trace.getSpan({
    getValue(k) {
      key = k;
      return undefined;
    },
    setValue: () => ROOT_CONTEXT,
    deleteValue: () => ROOT_CONTEXT,
  });
  if (key === undefined) throw new Error('@opentelemetry/api: trace.getSpan read no context key');
  return key;
})();

/**
 * `base` with `span` as its span: what `trace.setSpan(base, span)` means, without copying the
 * base's values into a new map. Each event needs such a context twice (to inject the producer span
 * into the headers, and to run the handler in), and the copy and its closures were a measurable
 * share of the per-event cost; a context derived from this one gets the full copy then.
 */
class SpanInContext implements Context {
  readonly #base: Context;
  readonly #span: Span;

  constructor(base: Context, span: Span) {
    this.#base = base;
    this.#span = span;
  }

  getValue(key: symbol): unknown {
    return key === SPAN_KEY ? this.#span : this.#base.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return trace.setSpan(this.#base, this.#span).setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return trace.setSpan(this.#base, this.#span).deleteValue(key);
  }
}

export function withSpan(base: Context, span: Span): Context {
  return new SpanInContext(base, span);
}
