import type { PublishReceipt } from '../types.ts';

/** One event's place in a `publishBatch`: where its receipt or its failure goes. */
export class BatchSlot {
  readonly batch: BatchReceipts;
  readonly index: number;

  constructor(batch: BatchReceipts, index: number) {
    this.batch = batch;
    this.index = index;
  }
}

export interface BatchFailure {
  readonly index: number;
  readonly error: Error;
}

/**
 * The outcome of one `publishBatch`: each event settles into its slot, and the batch settles once
 * the last one has. One promise per batch, not one per event (nor the per-event reactions of
 * `Promise.allSettled`): a batch costs what as many `emit`s cost, plus a receipt each.
 */
export class BatchReceipts {
  readonly receipts: Array<PublishReceipt | undefined>;
  /** In index order once `settled` has resolved. */
  readonly failures: BatchFailure[] = [];
  readonly settled: Promise<void>;
  #left: number;
  /** 1 at each settled index: an index settles once, whatever reports it again. */
  readonly #settledAt: Uint8Array;
  #resolve: () => void = () => {};

  constructor(size: number) {
    this.receipts = new Array<PublishReceipt | undefined>(size).fill(undefined);
    this.#settledAt = new Uint8Array(size);
    this.#left = size;
    this.settled = new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    if (size === 0) this.#resolve();
  }

  succeeded(index: number, receipt: PublishReceipt): void {
    if (!this.#settle(index)) return;
    this.receipts[index] = receipt;
    this.#settledOne();
  }

  failed(index: number, error: Error): void {
    if (!this.#settle(index)) return;
    this.failures.push({ index, error });
    this.#settledOne();
  }

  /** Marks `index` settled; false when it already was. */
  #settle(index: number): boolean {
    if (this.#settledAt[index] === 1) return false;
    this.#settledAt[index] = 1;
    return true;
  }

  #settledOne(): void {
    if (--this.#left > 0) return;
    this.failures.sort((a, b) => a.index - b.index);
    this.#resolve();
  }
}
