import { createEventBus, memoryTransport } from '@switchyard/core';
import { type BenchData, keyFor, makeData, padFor } from './payload.ts';
import { wallNowMs } from './stats.ts';
import { installTracing, type TracingMode } from './tracing.ts';

/** In one process: publish → JSON → keyed scheduler → handler, through Switchyard or a bare loop. */
export interface InprocOptions {
  readonly subject: 'switchyard' | 'bare';
  readonly tracing: TracingMode;
  readonly events: number;
  readonly warmupEvents: number;
  readonly runs: number;
  readonly payloadBytes: number;
  /** Handlers running at once (different keys). */
  readonly concurrency: number;
  /** Events emitted before the producer yields to let handlers run. */
  readonly chunk: number;
  readonly log?: (line: string) => void;
  /** The Switchyard loop's topic (two loops in one process need two): default `bench.inproc`. */
  readonly topic?: string;
}

export interface InprocResult {
  readonly runs: ReadonlyArray<{ readonly events: number; readonly elapsedMs: number }>;
  readonly exportedSpans: number;
  readonly config: Record<string, string | number | boolean>;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A warmed-up in-process loop that runs one timed batch per `run` call (so runs can be interleaved). */
export interface InprocSession {
  /** Publishes `events` and resolves with the elapsed ms once the handler has seen all of them. */
  run(phase: number): Promise<number>;
  /** Closes the bus and the tracer; resolves with the spans exported. */
  close(): Promise<number>;
  readonly config: Record<string, string | number | boolean>;
}

export async function openInproc(options: Omit<InprocOptions, 'runs'>): Promise<InprocSession> {
  const tracing = installTracing(options.tracing);
  const loop = options.subject === 'bare' ? bareLoop(options) : await switchyardLoop(options);
  const pad = padFor(options.payloadBytes);
  await loop.run(-1, options.warmupEvents, pad);
  return {
    async run(phase) {
      const started = performance.now();
      await loop.run(phase, options.events, pad);
      return performance.now() - started;
    },
    async close() {
      await loop.close();
      await tracing.shutdown();
      return tracing.exported();
    },
    config: {
      codec: 'json',
      tracing: options.tracing,
      concurrency: options.concurrency,
      ordering: 'key',
      keys: 256,
      chunk: options.chunk,
    },
  };
}

export async function runInproc(options: InprocOptions): Promise<InprocResult> {
  const session = await openInproc(options);
  const runs: Array<{ events: number; elapsedMs: number }> = [];
  try {
    for (let r = 0; r < options.runs; r++) {
      options.log?.(`run ${r + 1}/${options.runs}, ${options.events.toLocaleString('en')} events…`);
      runs.push({ events: options.events, elapsedMs: await session.run(r) });
    }
  } catch (error) {
    await session.close().catch(() => undefined);
    throw error;
  }
  const exportedSpans = await session.close();
  return { runs, exportedSpans, config: session.config };
}

interface Loop {
  /** Publishes `events` and resolves when the handler has seen all of them. */
  run(phase: number, events: number, pad: string): Promise<void>;
  close(): Promise<void>;
}

async function switchyardLoop(options: Omit<InprocOptions, 'runs'>): Promise<Loop> {
  const bus = createEventBus({
    source: 'bench',
    transport: memoryTransport(),
    tracing: options.tracing !== 'off',
  });
  let handled = 0;
  const topic = options.topic ?? 'bench.inproc';
  await bus.subscribe(
    topic,
    (event) => {
      if ((event.data as BenchData).p !== undefined) handled++;
    },
    { group: 'bench', concurrency: options.concurrency, retry: false },
  );
  return {
    async run(phase, events, pad) {
      const target = handled + events;
      const t = wallNowMs();
      for (let i = 0; i < events; i++) {
        bus.emit(topic, { type: 'bench.event', key: keyFor(i), data: makeData(phase, i, pad, t) });
        if (i % options.chunk === options.chunk - 1) await yieldToLoop();
      }
      const deadline = Date.now() + 60_000;
      while (handled < target) {
        if (Date.now() > deadline)
          throw new Error(`handled ${handled - target + events} of ${events} in 60 s`);
        await yieldToLoop();
      }
    },
    close: () => bus.close({ drainTimeoutMs: 5_000 }),
  };
}

/**
 * The floor: what any in-process bus must do per event — JSON encode, a per-key FIFO with a
 * concurrency bound, an async handler call, JSON decode. No envelope, ids, headers or metrics.
 */
function bareLoop(options: Omit<InprocOptions, 'runs'>): Loop {
  const queues = new Map<string, Buffer[]>();
  const ready: string[] = [];
  let running = 0;
  let handled = 0;
  const handler = async (bytes: Buffer) => {
    if ((JSON.parse(bytes.toString('utf8')) as BenchData).p !== undefined) handled++;
  };
  const pump = (): void => {
    while (running < options.concurrency && ready.length > 0) {
      const key = ready.shift()!;
      const queue = queues.get(key)!;
      const bytes = queue.shift()!;
      running++;
      handler(bytes).then(() => {
        running--;
        if (queue.length > 0) ready.push(key);
        else queues.delete(key);
        pump();
      });
    }
  };
  const submit = (key: string, bytes: Buffer): void => {
    const queue = queues.get(key);
    if (queue !== undefined) {
      queue.push(bytes);
      return;
    }
    queues.set(key, [bytes]);
    ready.push(key);
    pump();
  };
  return {
    async run(phase, events, pad) {
      const target = handled + events;
      const t = wallNowMs();
      for (let i = 0; i < events; i++) {
        submit(keyFor(i), Buffer.from(JSON.stringify(makeData(phase, i, pad, t)), 'utf8'));
        if (i % options.chunk === options.chunk - 1) await yieldToLoop();
      }
      const deadline = Date.now() + 60_000;
      while (handled < target) {
        if (Date.now() > deadline) throw new Error(`bare loop stalled at ${handled}`);
        await yieldToLoop();
      }
    },
    close: async () => {},
  };
}
