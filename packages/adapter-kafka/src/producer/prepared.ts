import type { SendOutcome, TransportReceipt } from '@switchyard/core/transport';
import type { DriverRecord } from '../driver/driver.ts';
import type { RecordSizing } from '../driver/record-batch/record-encoder.ts';
import type { PendingRecord } from './accumulator.ts';

/** The outcomes of one `send` call, filled in slot by slot; resolves when the last one is in. */
export class SendResults {
  readonly outcomes: SendOutcome[];
  readonly promise: Promise<readonly SendOutcome[]>;
  private unsettled: number;
  private resolve!: (outcomes: readonly SendOutcome[]) => void;
  private readonly onOutcome: ((index: number, outcome: SendOutcome) => void) | undefined;

  constructor(count: number, onOutcome?: (index: number, outcome: SendOutcome) => void) {
    this.outcomes = new Array<SendOutcome>(count);
    this.unsettled = count;
    this.onOutcome = onOutcome;
    this.promise = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  set(index: number, outcome: SendOutcome): void {
    this.outcomes[index] = outcome;
    // Each partition batch's events settle when its request does, not with the slowest of the call.
    this.onOutcome?.(index, outcome);
    if (--this.unsettled === 0) this.resolve(this.outcomes);
  }
}

/**
 * One event from `send` to its outcome: the same object is the driver's record (its partition
 * chosen once the topic's metadata is known), waits in the accumulator (as its PendingRecord),
 * and once written is its own successful outcome and receipt (partition and offset), so an event
 * costs one object here, not seven.
 */
export class Prepared implements PendingRecord, DriverRecord, RecordSizing, TransportReceipt {
  readonly topic: string;
  partition = -1;
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly bytes: number;
  readonly headerCount: number;
  /** Where the broker wrote it (absent with acks none); set just before it settles as written. */
  offset?: string;
  /** Sent once to a topic deleted meanwhile and queued again for the topic made anew: not twice. */
  resent = false;
  readonly ok = true;
  private readonly results: SendResults;
  private readonly index: number;

  constructor(
    topic: string,
    key: string | null,
    value: Buffer,
    headers: Readonly<Record<string, string>>,
    bytes: number,
    headerCount: number,
    results: SendResults,
    index: number,
  ) {
    this.topic = topic;
    this.key = key;
    this.value = value;
    this.headers = headers;
    this.bytes = bytes;
    this.headerCount = headerCount;
    this.results = results;
    this.index = index;
  }

  get record(): DriverRecord {
    return this;
  }

  /** Its size and header count from `recordSize`: the record encoder takes them instead of counting again. */
  get sized(): RecordSizing {
    return this;
  }

  /** As a successful outcome: itself. */
  get receipt(): TransportReceipt {
    return this;
  }

  settle(outcome: SendOutcome): void {
    this.results.set(this.index, outcome);
  }

  /** Written at `offset` (undefined with acks none): it settles as its own outcome. */
  written(offset: string | undefined): void {
    if (offset !== undefined) this.offset = offset;
    this.results.set(this.index, this);
  }
}
