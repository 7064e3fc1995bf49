/**
 * How a raw Kafka peer keeps `inFlight` events unconfirmed: `sendChunk` calls of the preset's batch
 * size, as many at once as `inFlight` allows — but never a chunk larger than `inFlight`, so a preset
 * whose batch is larger than the window (`throughput`: 2,000-event batches, 1,000 in flight) keeps
 * the same 1,000 in flight as Switchyard rather than a whole 2,000-event batch.
 */
export function publishInChunks(
  count: number,
  batchMaxMessages: number,
  inFlight: number,
  sendChunk: (from: number, to: number) => Promise<unknown>,
): Promise<void> {
  const size = Math.max(1, Math.min(batchMaxMessages, inFlight));
  return windowed(Math.ceil(count / size), Math.max(1, Math.floor(inFlight / size)), (c) =>
    sendChunk(c * size, Math.min(count, (c + 1) * size)),
  );
}

/** Every chunk of the preset's batch size sent at once, then all awaited (fire and forget, then wait). */
export async function emitInChunks(
  count: number,
  batchMaxMessages: number,
  sendChunk: (from: number, to: number) => Promise<unknown>,
): Promise<void> {
  const size = Math.max(1, batchMaxMessages);
  const sends: Promise<unknown>[] = [];
  for (let from = 0; from < count; from += size) sends.push(sendChunk(from, Math.min(count, from + size)));
  await Promise.all(sends);
}

/** Runs `count` operations with at most `limit` in flight; rejects on the first failure. */
export async function windowed(
  count: number,
  limit: number,
  op: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  const lane = async () => {
    while (next < count && failed === undefined) {
      const i = next++;
      try {
        await op(i);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, lane));
  if (failed !== undefined) throw failed;
}
