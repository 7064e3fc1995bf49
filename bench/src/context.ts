import { EMPTY_FIGURES, type Row } from './results.ts';
import { Worker } from './rpc.ts';
import { round, spread } from './stats.ts';
import { loadTransport } from './subjects/registry.ts';
import type { MissingSubject, Subject, SubjectConfig, SubjectInfo } from './subjects/types.ts';

/** What a scenario gets: run size, broker env, logging, row collection, workers it must not leak. */
export class RunContext {
  readonly quick: boolean;
  readonly runs: number;
  readonly env: Record<string, string>;
  readonly rows: Row[] = [];
  readonly #workers = new Set<Worker>();
  /** Part of every topic name this run creates, so `cleanup` deletes exactly those. */
  readonly runId = Date.now().toString(36);
  #topicSeq = 0;
  #scenario = '';

  constructor(options: { quick: boolean; runs: number; env: Record<string, string> }) {
    this.quick = options.quick;
    this.runs = options.runs;
    this.env = options.env;
  }

  set scenario(id: string) {
    this.#scenario = id;
  }

  log(line: string): void {
    const t = new Date().toISOString().slice(11, 19);
    process.stderr.write(`${t} ${line}\n`);
  }

  /** "scenario X, subject Y, run 2/3, waiting for 10,000 events…" */
  progress(subject: string, text: string): void {
    this.log(`scenario ${this.#scenario}, ${subject}, ${text}`);
  }

  /** A topic name valid on every broker (no dots: NATS stream names forbid them). */
  topic(prefix: string): string {
    return `bench_${prefix}_${this.runId}_${++this.#topicSeq}`.replace(/[^A-Za-z0-9_-]/g, '_');
  }

  async subjects(
    transport: string,
    options: { extras?: boolean; consume?: boolean; publishShapes?: boolean } = {},
  ): Promise<{ available: Subject[]; missing: MissingSubject[] }> {
    const { available, missing } = await (await loadTransport(transport)).subjects();
    // BENCH_SUBJECTS=switchyard,kafkajs keeps only those subjects, in that order (a debugging aid:
    // rotate the order between sittings to alternate; figures need every peer).
    const only = process.env.BENCH_SUBJECTS?.split(',').filter(Boolean);
    const joins = (s: SubjectInfo) =>
      (options.extras === true || s.extra !== true) &&
      (options.consume === true || s.consumeOnly !== true) &&
      (options.publishShapes === true || s.onlyPublishModes === undefined) &&
      (only === undefined || only.includes(s.id));
    const kept = available.filter(joins);
    return {
      available: only === undefined ? kept : kept.sort((a, b) => only.indexOf(a.id) - only.indexOf(b.id)),
      // A subject that does not load is named where it would have run: one skipped row each.
      missing: missing.filter(joins),
    };
  }

  /**
   * Starts a worker process with a subject opened; stopped by `stopAll` if the scenario forgets.
   * `env` replaces the run's broker addresses for this worker (the replicated-cluster rows).
   */
  async worker(
    name: string,
    transport: string,
    subject: string,
    options: { tracing?: string; env?: Record<string, string> } = {},
  ): Promise<Worker> {
    const worker = new Worker(name, {}, (line) => this.log(line));
    this.#workers.add(worker);
    const { env = this.env, ...rest } = options;
    await worker.call('open', { transport, subject, env, ...rest }, 60_000);
    return worker;
  }

  async stop(worker: Worker): Promise<number | null> {
    const rss = await worker.call<number>('rss', {}, 5_000).catch(() => null);
    await worker.stop();
    this.#workers.delete(worker);
    return rss === null ? null : round(rss, 1);
  }

  /**
   * Deletes a topic (NATS: stream) this run made, once the measurement that used it has ended, so
   * that nothing it left on the broker (stored events, NATS's duplicate window of message ids,
   * consumer groups) is still there during the next measurement. The transport's `cleanup` deletes
   * the topics whose names contain `topic`: this one, and any made later in this run whose sequence
   * number starts with this one's (none exist yet when a measurement ends). Never throws.
   */
  async dropTopic(transport: string, topic: string): Promise<void> {
    await (await loadTransport(transport)).cleanup?.(this.env, topic);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#workers].map((w) => w.stop()));
    this.#workers.clear();
  }

  add(row: Omit<Row, 'scenario'> & { scenario?: string }): void {
    this.rows.push({ scenario: this.#scenario, ...row } as Row);
  }

  skip(base: RowBase, reason: string): void {
    this.log(`  skipped: ${base.subject} (${base.transport}): ${reason}`);
    this.add({ ...base, ...EMPTY_FIGURES, runs: 0, skipped: reason });
  }
}

export type RowBase = Pick<
  Row,
  'family' | 'subject' | 'subjectId' | 'kind' | 'transport' | 'payloadBytes' | 'messages' | 'config'
> & { readonly scenario?: string };

export function base(
  family: string,
  transport: string,
  subject: { readonly id: string; readonly label: string; readonly kind: Row['kind'] },
  payloadBytes: number,
  messages: number,
  config: SubjectConfig | Record<string, unknown>,
): RowBase {
  return {
    family,
    transport,
    subject: subject.label,
    subjectId: subject.id,
    kind: subject.kind,
    payloadBytes,
    messages,
    config: { ...config },
  };
}

/** Row figures from per-run rates (and optional latency percentiles). */
export function figures(
  rates: readonly number[],
  payloadBytes: number,
  latency: ReadonlyArray<{ p50Ms: number; p99Ms: number; p999Ms: number }> = [],
): Pick<
  Row,
  | 'msgPerSec'
  | 'msgPerSecMin'
  | 'msgPerSecMax'
  | 'mbPerSec'
  | 'p50Ms'
  | 'p99Ms'
  | 'p999Ms'
  | 'p99MsMin'
  | 'p99MsMax'
> {
  const r = spread(rates);
  const p50 = spread(latency.map((l) => l.p50Ms));
  const p99 = spread(latency.map((l) => l.p99Ms));
  const p999 = spread(latency.map((l) => l.p999Ms));
  return {
    msgPerSec: round(r?.median, 0),
    msgPerSecMin: round(r?.min, 0),
    msgPerSecMax: round(r?.max, 0),
    mbPerSec: r === undefined ? null : round((r.median * payloadBytes) / 1e6, 2),
    p50Ms: round(p50?.median, 2),
    p99Ms: round(p99?.median, 2),
    p999Ms: round(p999?.median, 2),
    p99MsMin: round(p99?.min, 2),
    p99MsMax: round(p99?.max, 2),
  };
}

export const errorText = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
