import { randomUUID } from 'node:crypto';
import { createEventBus, type EventBus, type Transport, type TransportCapabilities } from '@switchyard/core';
import type { FaultFigures, FaultsBroker, FaultsOptions } from './options.ts';
import type { FaultEventData } from './publishers.ts';
import { FaultTally } from './tally.ts';
import { WorkerProcess } from './worker-process.ts';
import type { WorkerConfig } from './worker-protocol.ts';

const MiB = 1_048_576;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Milliseconds as seconds with one decimal, for notes. */
export const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** The group every fault case consumes with. */
export const FAULT_GROUP = 'faults';

type AdapterModule = { transportFromEnv(env: Record<string, string | undefined>): Transport };

/**
 * Per-case fixture of the faults suite: a topic of its own, the tally, buses and service processes
 * that are cleaned up, the broker put back as it was (resumed, started), bounded waits that note
 * a timeout instead of throwing (so a case still reports its figures), and the test process's
 * peak resident set.
 */
export class FaultHarness {
  readonly options: FaultsOptions;
  readonly capabilities: TransportCapabilities;
  readonly scenario: string;
  readonly keys = 16;
  readonly tally = new FaultTally(this.keys);
  readonly notes: string[] = [];
  /** What the case found wrong beyond the figures' own checks; the suite fails on any. */
  readonly problems: string[] = [];
  readonly id = randomUUID().slice(0, 8);
  readonly started = performance.now();
  readonly #broker: FaultsBroker | undefined;
  readonly #buses: EventBus[] = [];
  readonly #workers: WorkerProcess[] = [];
  #brokerState: 'up' | 'down' | 'paused' = 'up';
  #peakRss = process.memoryUsage.rss();
  readonly #rssTimer = setInterval(() => {
    this.#peakRss = Math.max(this.#peakRss, process.memoryUsage.rss());
  }, 100);

  constructor(
    options: FaultsOptions,
    capabilities: TransportCapabilities,
    broker: FaultsBroker | undefined,
    scenario: string,
  ) {
    this.options = options;
    this.capabilities = capabilities;
    this.#broker = broker;
    this.scenario = scenario;
  }

  /** The suite's broker; cases that need one are skipped when there is none. */
  get broker(): FaultsBroker {
    if (this.#broker === undefined) throw new Error('this case needs a broker');
    const broker = this.#broker;
    const track =
      (state: 'up' | 'down' | 'paused', action: () => Promise<void>) => async (): Promise<void> => {
        await action();
        this.#brokerState = state;
      };
    return {
      env: broker.env,
      kill: track('down', () => broker.kill()),
      start: track('up', () => broker.start()),
      pause: track('paused', () => broker.pause()),
      resume: track('up', () => broker.resume()),
      close: () => broker.close(),
    };
  }

  get transportEnv(): Record<string, string | undefined> {
    const env = this.#broker?.env ?? {};
    return this.options.transportEnv?.(env) ?? { ...env };
  }

  get adapterUrl(): string {
    const { adapter } = this.options;
    return adapter instanceof URL ? adapter.href : adapter.startsWith('/') ? `file://${adapter}` : adapter;
  }

  /** Partitions the case's topic is created with. */
  get partitions(): number {
    return this.options.partitions ?? 3;
  }

  topic(): string {
    return `faults.${this.scenario}.${this.id}`;
  }

  async transport(): Promise<Transport> {
    const adapter = (await import(this.adapterUrl)) as AdapterModule;
    return adapter.transportFromEnv(this.transportEnv);
  }

  /** A bus of the test process (closed by the harness). */
  async bus(): Promise<EventBus> {
    const bus = createEventBus({ source: 'faults', transport: await this.transport(), onError: () => {} });
    this.#buses.push(bus);
    return bus;
  }

  async ensureTopic(bus: EventBus, topic: string): Promise<void> {
    if (this.capabilities.topicAdmin)
      await bus.ensureTopic({ name: topic, partitions: this.partitions, strategy: 'create-or-update' });
  }

  /** Subscribes the test process's `bus` to `topic` in the fault group, counting every event it handles. */
  async consumeHere(bus: EventBus, topic: string): Promise<void> {
    await bus.subscribe(topic, (event) => void this.tally.handle((event.data as FaultEventData).n), {
      group: FAULT_GROUP,
    });
  }

  /** Starts a service process (killed at cleanup if still running). */
  async worker(label: string, config: Partial<WorkerConfig> & Pick<WorkerConfig, 'role' | 'topic'>) {
    const worker = await WorkerProcess.start(
      label,
      {
        adapter: this.adapterUrl,
        transportEnv: definedOnly(this.transportEnv),
        group: FAULT_GROUP,
        keys: this.keys,
        handlerDelayMs: 0,
        crashOnMarker: false,
        subscribe: {},
        ratePerSecond: 0,
        publishBuffer: {},
        ...config,
      },
      this.tally,
    );
    this.#workers.push(worker);
    return worker;
  }

  problem(what: string): void {
    this.problems.push(what);
    this.notes.push(what);
  }

  /** Waits for `check`; on timeout notes it (the figures show what happened) and resolves false. */
  async until(what: string, check: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!check()) {
      if (performance.now() > deadline) {
        this.notes.push(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        return false;
      }
      await sleep(20);
    }
    return true;
  }

  /** Waits until every acknowledged event was handled (bounded); notes the timeout otherwise. */
  allHandled(timeoutMs = 60_000): Promise<boolean> {
    return this.until('every acknowledged event handled', () => this.tally.allAckedHandled(), timeoutMs);
  }

  /**
   * Reads `topic` back with a fresh group from the earliest event: the distinct events the broker
   * stored. Waits for every acknowledged one (bounded) and then until nothing new arrives for 1 s.
   */
  async readBack(topic: string): Promise<number> {
    const stored = new Set<number>();
    let lastNewAt = performance.now();
    const bus = await this.bus();
    await bus.subscribe(
      topic,
      (event) => {
        const { n } = event.data as FaultEventData;
        if (!stored.has(n)) lastNewAt = performance.now();
        stored.add(n);
      },
      { group: `read-back-${this.id}`, startFrom: 'earliest', concurrency: 64 },
    );
    const everyAcked = () => [...this.tally.acked].every((n) => stored.has(n));
    await this.until('the broker to give back every acknowledged event', everyAcked, 60_000);
    await this.until('the read-back to go quiet', () => performance.now() - lastNewAt > 1_000, 30_000);
    await bus.close({ drainTimeoutMs: 1_000 });
    return stored.size;
  }

  /**
   * Ends a case: stops publishing (`stopPublishing` resolves with the publishes that never settled
   * within its deadline), waits for every acknowledged event to be handled, reads the topic back,
   * and returns the figures.
   */
  async finish(
    topic: string,
    stopPublishing: () => Promise<number>,
    extra: FigureInputs,
  ): Promise<FaultFigures> {
    const unsettled = await stopPublishing();
    await this.allHandled();
    const stored = await this.readBack(topic);
    return this.figures({ ...extra, stored, unsettled });
  }

  /** The case's figures. `rss` names the processes measured; by default the test process. */
  figures(extra: FigureInputs & { stored: number; unsettled: number }): FaultFigures {
    const t = this.tally;
    return {
      transport: this.options.name,
      scenario: this.scenario,
      acknowledged: t.acked.size,
      failedReported: t.failed,
      failures: Object.fromEntries(t.failures),
      stored: extra.stored,
      received: t.received,
      lost: t.lost().length,
      duplicated: t.duplicated,
      orderViolations: extra.orderPromised ? t.orderViolations : null,
      publishStallSeconds: round(t.longestAckGapMs / 1000),
      longestPublishSeconds: round(t.longestSettleMs / 1000),
      consumeStallSeconds: round(t.longestHandleGapMs / 1000),
      peakRssMiB: Math.round((extra.rss?.peakBytes ?? this.#peakRss) / MiB),
      rssOf: extra.rss?.of ?? 'test process',
      faultSeconds: round(extra.faultSeconds),
      unsettled: extra.unsettled,
      seconds: round((performance.now() - this.started) / 1000),
      notes: [...this.notes],
    };
  }

  /** Kills service processes, closes buses, and puts the broker back up if the case left it down or paused. */
  async cleanup(): Promise<void> {
    clearInterval(this.#rssTimer);
    await Promise.allSettled(this.#workers.splice(0).map((w) => w.kill()));
    if (this.#brokerState === 'paused') await this.broker.resume();
    if (this.#brokerState === 'down') await this.broker.start();
    await Promise.allSettled(this.#buses.splice(0).map((bus) => bus.close({ drainTimeoutMs: 2_000 })));
  }
}

export interface FigureInputs {
  readonly faultSeconds: number;
  /** The transport promises the order per key in this case (one consumer, or a group-wide order). */
  readonly orderPromised: boolean;
  /** Whose peak resident set the figures show; by default the test process's. */
  readonly rss?: { readonly of: string; readonly peakBytes: number };
}

/** The peak resident set of service processes, as figures show it. */
export const peakOf = (of: string, ...workers: WorkerProcess[]) => ({
  of,
  peakBytes: Math.max(...workers.map((w) => w.peakRssBytes)),
});

const round = (x: number) => Math.round(x * 10) / 10;

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
