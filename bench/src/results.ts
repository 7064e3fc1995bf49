/** One result row: a (scenario, subject, transport, payload, config) measured `runs` times. */
export interface Row {
  readonly scenario: string;
  readonly family: string;
  /** Label shown in tables, e.g. `Switchyard (kafka)`, `raw kafkajs`, `kafka-perf (Java)`. */
  readonly subject: string;
  readonly subjectId: string;
  readonly kind: 'switchyard' | 'raw' | 'java' | 'reference';
  readonly transport: string;
  readonly payloadBytes: number;
  /** Events per measured run. */
  readonly messages: number;
  readonly runs: number;
  /** Median over runs; null where the scenario measures no rate. */
  readonly msgPerSec: number | null;
  readonly msgPerSecMin: number | null;
  readonly msgPerSecMax: number | null;
  /** msgPerSec × payloadBytes / 10^6 (payload bytes only, not headers or framing). */
  readonly mbPerSec: number | null;
  /** End-to-end latency percentiles, median over runs (latency, plan scenarios). */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly p999Ms: number | null;
  readonly p99MsMin: number | null;
  readonly p99MsMax: number | null;
  /** Peak RSS of the producer and consumer processes (largest of the two), MB. */
  readonly rssMb: number | null;
  readonly producerRssMb: number | null;
  readonly consumerRssMb: number | null;
  /** Share of sent events that arrived (lowest over runs), 0..1; null where nothing is consumed. */
  readonly delivered: number | null;
  /** First event's publish→handle latency, median over runs (plan scenario). */
  readonly firstEventMs: number | null;
  /** Each run's first-event latency in run order (plan scenario): the first run starts in fresh processes. */
  readonly firstEventRunsMs?: readonly number[];
  readonly config: Readonly<Record<string, unknown>>;
  /** Set when the row could not be measured; the other figures are null. */
  readonly skipped?: string;
  readonly note?: string;
}

export interface MachineFacts {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly loadAverageAtStart: readonly number[];
  readonly loadAverageAtEnd?: readonly number[];
  readonly brokers: Readonly<Record<string, string>>;
  readonly clients: Readonly<Record<string, string>>;
}

export interface Results {
  readonly generatedAt: string;
  readonly command: string;
  readonly quick: boolean;
  readonly durationSec: number;
  /** `git describe`-like: the commit measured, `+dirty` when the work tree had changes (others' work in progress). */
  readonly revision?: string;
  readonly machine: MachineFacts;
  readonly transports: Readonly<Record<string, { readonly ok: boolean; readonly info: string }>>;
  readonly rows: readonly Row[];
  /** Later partial runs (`--update`) whose rows replaced this run's rows of the same family and transport. */
  readonly updates?: ReadonlyArray<{
    readonly command: string;
    readonly generatedAt: string;
    readonly durationSec: number;
    readonly families: readonly string[];
    readonly transports: readonly string[];
    readonly loadAverageAtStart: readonly number[];
    /** The revision the update measured (older updates did not record it). */
    readonly revision?: string;
  }>;
}

export const EMPTY_FIGURES = {
  msgPerSec: null,
  msgPerSecMin: null,
  msgPerSecMax: null,
  mbPerSec: null,
  p50Ms: null,
  p99Ms: null,
  p999Ms: null,
  p99MsMin: null,
  p99MsMax: null,
  rssMb: null,
  producerRssMb: null,
  consumerRssMb: null,
  delivered: null,
  firstEventMs: null,
} as const;
