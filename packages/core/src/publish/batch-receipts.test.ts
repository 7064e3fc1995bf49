import { describe, expect, it } from 'vitest';
import { BatchReceipts } from './batch-receipts.ts';

const receipt = (id: string) => ({ id, topic: 't' });

/** Whether `batch.settled` has resolved, read at any moment. */
function settledFlag(batch: BatchReceipts): () => boolean {
  let settled = false;
  void batch.settled.then(() => {
    settled = true;
  });
  return () => settled;
}

describe('BatchReceipts', () => {
  it('settles once every slot has, with receipts in the order of the events', async () => {
    const batch = new BatchReceipts(3);
    const settled = settledFlag(batch);
    batch.succeeded(2, receipt('c'));
    batch.succeeded(0, receipt('a'));
    await Promise.resolve();
    expect(settled()).toBe(false);
    batch.succeeded(1, receipt('b'));
    await batch.settled;
    expect(batch.receipts.map((r) => r?.id)).toEqual(['a', 'b', 'c']);
    expect(batch.failures).toEqual([]);
  });

  it('lists failures by index, whatever order they came in, and leaves their receipts undefined', async () => {
    const batch = new BatchReceipts(3);
    const late = new Error('late');
    const early = new Error('early');
    batch.failed(2, late);
    batch.succeeded(1, receipt('b'));
    batch.failed(0, early);
    await batch.settled;
    expect(batch.failures).toEqual([
      { index: 0, error: early },
      { index: 2, error: late },
    ]);
    expect(batch.receipts).toEqual([undefined, receipt('b'), undefined]);
  });

  it('settles an index once, whatever reports it again', async () => {
    const batch = new BatchReceipts(2);
    const settled = settledFlag(batch);
    batch.succeeded(0, receipt('a'));
    batch.failed(0, new Error('again'));
    batch.succeeded(0, receipt('again'));
    await Promise.resolve();
    expect(settled()).toBe(false);
    batch.succeeded(1, receipt('b'));
    await batch.settled;
    expect(batch.receipts.map((r) => r?.id)).toEqual(['a', 'b']);
    expect(batch.failures).toEqual([]);
  });

  it('is settled at once when empty', async () => {
    await expect(new BatchReceipts(0).settled).resolves.toBeUndefined();
  });
});
