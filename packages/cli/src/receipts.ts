import type { PublishReceipt } from '@switchyard/core';

/** Where the broker put an event, in a few words: `partition 2 offset 17`, `stream orders seq 42`. */
export function describeReceipt(receipt: PublishReceipt): string {
  const parts: string[] = [];
  if (receipt.partition !== undefined) parts.push(`partition ${receipt.partition}`);
  if (receipt.offset !== undefined) parts.push(`offset ${receipt.offset}`);
  if (receipt.stream !== undefined) parts.push(`stream ${receipt.stream}`);
  if (receipt.sequence !== undefined) parts.push(`seq ${receipt.sequence}`);
  if (receipt.duplicate === true) parts.push('(duplicate: the broker already had this id)');
  return parts.join(' ');
}

/** Events per second, for tallies. */
export function rate(count: number, ms: number): string {
  return ms <= 0 ? `${count}` : Math.round((count * 1000) / ms).toLocaleString('en');
}
