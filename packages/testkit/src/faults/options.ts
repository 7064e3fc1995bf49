import type { TransportCapabilities } from '@switchyard/core';

/**
 * The broker a faults suite may crash and pause: one of the suite's own, never a broker other
 * tests share. `PrivateBroker` of `@switchyard/infra/private-broker` is one.
 */
export interface FaultsBroker {
  /** Settings the transport is built from (through `transportEnv`), e.g. `{ KAFKA_BROKERS }`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** SIGKILL the broker process (a crash); resolves once it is gone. Its data stays. */
  kill(): Promise<void>;
  /** Starts it again on its data; resolves once it answers. */
  start(): Promise<void>;
  /** SIGSTOP: the broker hangs with its connections open. */
  pause(): Promise<void>;
  /** SIGCONT. */
  resume(): Promise<void>;
  /** Stops it for good and removes its data. */
  close(): Promise<void>;
}

export interface FaultsOptions {
  /** Shown in the suite name: `faults: <name>`, and in RELIABILITY.md. */
  readonly name: string;
  /**
   * URL (or absolute path) of a module exporting `transportFromEnv(env)` — every adapter's entry
   * does. The test process and the service processes a case starts both build transports with it.
   */
  readonly adapter: string | URL;
  /** Starts the suite's broker (once, before the first case). Absent: cases that fault the broker skip. */
  readonly broker?: () => Promise<FaultsBroker>;
  /**
   * The `transportFromEnv` environment, from the broker's. Add transport settings here
   * (e.g. `SWITCHYARD_NATS_ACK_WAIT_MS`). @default the broker's env as it is
   */
  readonly transportEnv?: (
    brokerEnv: Readonly<Record<string, string | undefined>>,
  ) => Record<string, string | undefined>;
  /** Overrides of what the transport declares. */
  readonly capabilities?: Partial<TransportCapabilities>;
  /** Set false to skip the suite (no broker here). @default true */
  readonly enabled?: boolean;
  /** Partitions of each case's topic where the transport has topic admin. @default 3 */
  readonly partitions?: number;
  /** Events per second the publisher of the pause case offers. @default 2000 */
  readonly publishRate?: number;
  /** How long the pause case keeps the broker stopped, in ms. @default 5000 */
  readonly pauseMs?: number;
  /** Largest peak resident set a service process may reach in a case, in MiB. @default 1024 */
  readonly maxRssMiB?: number;
}

/** What one fault case measured: the figures RELIABILITY.md prints. */
export interface FaultFigures {
  /** The suite's `name`. */
  readonly transport: string;
  /** Short id of the case: broker-restart, consumer-kill, broker-pause, handler-crash, … */
  readonly scenario: string;
  /** Publishes that resolved (the broker accepted the event). */
  readonly acknowledged: number;
  /** Publishes that rejected with an EventBusError: the caller was told. */
  readonly failedReported: number;
  /** Those failures by `code/retriable`. */
  readonly failures: Readonly<Record<string, number>>;
  /** Distinct events a fresh consumer group read back from the broker afterwards. */
  readonly stored: number;
  /** Distinct events the case's consumer group handled. */
  readonly received: number;
  /** Acknowledged events never handled: must be 0. */
  readonly lost: number;
  /** Events handled more than once (at-least-once redeliveries). */
  readonly duplicated: number;
  /** Events handled first after a later event of their key; `null` where the transport does not promise that order here. */
  readonly orderViolations: number | null;
  /** Longest time without a publish being acknowledged while publishing, in s. */
  readonly publishStallSeconds: number;
  /** Longest time one publish took to resolve or reject, in s. */
  readonly longestPublishSeconds: number;
  /**
   * Longest time without an event handled for the first time, from the first to the last, in s:
   * the outage as consumers see it, or how long events a dead consumer held waited to come back.
   */
  readonly consumeStallSeconds: number;
  /** Peak resident set of the process named by `rssOf`, in MiB. */
  readonly peakRssMiB: number;
  readonly rssOf: string;
  /** How long the fault lasted (broker down or paused, consumer gone), in s. */
  readonly faultSeconds: number;
  /** Publishes still unsettled after the case's deadline (each one hangs): must be 0. */
  readonly unsettled: number;
  /** How long the whole case took, in s. */
  readonly seconds: number;
  /** What else the case observed (recovery time, throughput before and after, exit codes). */
  readonly notes: readonly string[];
}
