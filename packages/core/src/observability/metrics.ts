import {
  type Attributes,
  type Counter,
  createNoopMeter,
  type Histogram,
  metrics,
  type ObservableCallback,
  type UpDownCounter,
} from '@opentelemetry/api';

/**
 * Instruments named after the OpenTelemetry messaging metric conventions, plus Switchyard's own
 * (retries, dead letters, in-flight handlers, publish buffer, consumer lag). Attribute objects
 * are cached per topic so the hot path allocates nothing for metrics.
 *
 * The metrics API has no proxy: instruments made before a MeterProvider is registered stay
 * no-ops. Register the SDK before creating the bus.
 */
const NOOP_METER_PROTOTYPE: unknown = Object.getPrototypeOf(createNoopMeter());

export class BusMetrics {
  readonly #sent: Counter;
  readonly #consumed: Counter;
  readonly #operationDuration: Histogram;
  readonly #processDuration: Histogram;
  readonly #retries: Counter;
  readonly #deadLettered: Counter;
  readonly #unhandled: Counter;
  readonly #publishFailures: Counter;
  readonly #inFlight: UpDownCounter;
  readonly #attrs = new Map<string, Map<string, Attributes>>();
  readonly #system: string;
  readonly #observers: Array<() => void> = [];

  /**
   * False when no MeterProvider was registered before the bus was made: the API hands out a no-op
   * meter then (and never swaps it later), so the per-event calls skip even their attribute lookups.
   */
  readonly #enabled: boolean;

  constructor(system: string) {
    this.#system = system;
    const meter = metrics.getMeter('@switchyard/core');
    this.#enabled = Object.getPrototypeOf(meter) !== NOOP_METER_PROTOTYPE;
    this.#sent = meter.createCounter('messaging.client.sent.messages', {
      unit: '{message}',
      description: 'Events the broker accepted',
    });
    this.#consumed = meter.createCounter('messaging.client.consumed.messages', {
      unit: '{message}',
      description: 'Events delivered to handlers',
    });
    this.#operationDuration = meter.createHistogram('messaging.client.operation.duration', {
      unit: 's',
      description: 'Publish duration until the broker acknowledged',
    });
    this.#processDuration = meter.createHistogram('messaging.process.duration', {
      unit: 's',
      description: 'Handler duration',
    });
    this.#retries = meter.createCounter('switchyard.consumer.retries', {
      unit: '{event}',
      description: 'Handler attempts after a failure',
    });
    this.#deadLettered = meter.createCounter('switchyard.consumer.dead_lettered', {
      unit: '{event}',
      description: 'Events sent to the dead-letter topic',
    });
    this.#unhandled = meter.createCounter('switchyard.consumer.unhandled', {
      unit: '{event}',
      description:
        'Events of a type no handler of the group declares (acknowledged or dead-lettered by policy)',
    });
    this.#publishFailures = meter.createCounter('switchyard.publish.failures', {
      unit: '{event}',
      description: 'Publishes that failed',
    });
    this.#inFlight = meter.createUpDownCounter('switchyard.consumer.in_flight', {
      unit: '{event}',
      description: 'Handlers running now',
    });
  }

  /** Registers observable gauges read at collection time (publish buffer depth, lag). */
  /** `performance.now()` for a duration these metrics will record; 0 (no clock read) when no MeterProvider takes them. */
  clock(): number {
    return this.#enabled ? performance.now() : 0;
  }

  observe(
    name: string,
    options: { readonly description: string; readonly unit: string },
    read: () => Array<{ value: number; attributes: Attributes }>,
  ): void {
    const gauge = metrics.getMeter('@switchyard/core').createObservableGauge(name, options);
    const callback: ObservableCallback = (result) => {
      for (const { value, attributes } of read()) result.observe(value, attributes);
    };
    gauge.addCallback(callback);
    this.#observers.push(() => gauge.removeCallback(callback));
  }

  /** Drops the gauge callbacks (they hold the bus): called when the bus closes. */
  stopObserving(): void {
    for (const remove of this.#observers.splice(0)) remove();
  }

  sent(topic: string, count: number, seconds: number): void {
    if (!this.#enabled) return;
    const attrs = this.#attributes(topic, undefined);
    this.#sent.add(count, attrs);
    this.#operationDuration.record(seconds, attrs);
  }

  /** Counted in `messaging.client.sent.messages` with `error.type`, as the conventions ask, and in `switchyard.publish.failures`. */
  publishFailed(topic: string, errorType: string): void {
    if (!this.#enabled) return;
    const attrs = { ...this.#attributes(topic, undefined), 'error.type': errorType };
    this.#sent.add(1, attrs);
    this.#publishFailures.add(1, attrs);
  }

  consumed(topic: string, group: string, seconds: number): void {
    if (!this.#enabled) return;
    const attrs = this.#attributes(topic, group);
    this.#consumed.add(1, attrs);
    this.#processDuration.record(seconds, attrs);
  }

  retried(topic: string, group: string): void {
    if (!this.#enabled) return;
    this.#retries.add(1, this.#attributes(topic, group));
  }

  deadLettered(topic: string, group: string, reason: string): void {
    if (!this.#enabled) return;
    this.#deadLettered.add(1, { ...this.#attributes(topic, group), 'switchyard.dead_letter.reason': reason });
  }

  unhandled(topic: string, group: string): void {
    if (!this.#enabled) return;
    this.#unhandled.add(1, this.#attributes(topic, group));
  }

  inFlight(topic: string, group: string, delta: number): void {
    if (!this.#enabled) return;
    this.#inFlight.add(delta, this.#attributes(topic, group));
  }

  #attributes(topic: string, group: string | undefined): Attributes {
    // Two-level cache: no string concatenation on the hot path.
    let byGroup = this.#attrs.get(topic);
    if (byGroup === undefined) {
      byGroup = new Map();
      this.#attrs.set(topic, byGroup);
    }
    const groupKey = group ?? '';
    let attrs = byGroup.get(groupKey);
    if (attrs === undefined) {
      attrs = {
        'messaging.system': this.#system,
        'messaging.destination.name': topic,
        'messaging.operation.name': group === undefined ? 'send' : 'process',
      };
      if (group !== undefined) attrs['messaging.consumer.group.name'] = group;
      byGroup.set(groupKey, attrs);
    }
    return attrs;
  }
}
