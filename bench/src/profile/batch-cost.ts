// What one partition's record batch costs per record, in this process (no broker): Switchyard's
// record encoder + LZ4 + CRC-32C (the platformatic driver's path) with and without the CloudEvents
// headers every Switchyard event carries, against @platformatic/kafka's own createRecordsBatch
// for the header-less records (what the raw bench peer sends); `slab` rows encode into the
// encoder's slab instead of its reused scratch. Prints µs per record (median of the rounds after
// the first, min–max) and the compressed bytes per record. Usage:
//   node --conditions=@switchyard/source bench/src/profile/batch-cost.ts [payload bytes] [records per batch] [rounds]
import { compressionsAlgorithms, createRecordsBatch } from '@platformatic/kafka';
import {
  batchRecords,
  NO_PRODUCER,
  recordBatch,
} from '../../../packages/adapter-kafka/src/driver/record-batch/record-batch.ts';
import { keyFor, makeData, padFor } from '../payload.ts';
import { ceHeaders } from '../subjects/ce-headers.ts';

const [bytesArg = '1024', perBatchArg = '333', roundsArg = '7'] = process.argv.slice(2);
const perBatch = Number(perBatchArg);
const pad = padFor(Number(bytesArg));
const lz4 = compressionsAlgorithms.lz4 as unknown as { bitmask: number; compressSync: (b: Buffer) => Buffer };
const compression = { bits: lz4.bitmask, compress: (b: Buffer) => lz4.compressSync(b), sync: true };

const value = (i: number) => Buffer.from(JSON.stringify(makeData(0, i, pad, Date.now())), 'utf8');
const NONE: Record<string, string> = {};

function batchesOf(withHeaders: boolean) {
  return Array.from({ length: 30 }, (_, b) =>
    Array.from({ length: perBatch }, (_, j) => {
      const i = b * perBatch + j;
      return { partition: 0, key: keyFor(i), value: value(i), headers: withHeaders ? ceHeaders() : NONE };
    }),
  );
}

type Run = (batch: ReturnType<typeof batchesOf>[number]) => number;
/** `sync: false`: the records stay in the encoder's slab (fresh memory per batch once a batch outgrows it), as before the scratch. */
const slabbed = { ...compression, sync: false };
const ours: Run = (batch) =>
  (recordBatch(batchRecords(batch, Date.now(), compression), NO_PRODUCER) as Buffer).length;
const oursSlab: Run = (batch) =>
  (recordBatch(batchRecords(batch, Date.now(), slabbed), NO_PRODUCER) as Buffer).length;
const client: Run = (batch) =>
  createRecordsBatch(
    batch.map((r) => ({ key: Buffer.from(r.key), value: r.value, topic: 't', partition: 0 })),
    { compression: 'lz4' },
  ).length;

const cases: Array<[string, Run, ReturnType<typeof batchesOf>]> = [
  ['switchyard encoder, CE headers', ours, batchesOf(true)],
  ['switchyard encoder, CE headers, slab', oursSlab, batchesOf(true)],
  ['switchyard encoder, no headers', ours, batchesOf(false)],
  ['switchyard encoder, no headers, slab', oursSlab, batchesOf(false)],
  ['client createRecordsBatch, no headers', client, batchesOf(false)],
];
const results = new Map<string, number[]>();
const sizes = new Map<string, number>();
for (let round = 0; round < Number(roundsArg); round++) {
  for (const [name, run, batches] of round % 2 === 0 ? cases : [...cases].reverse()) {
    let out = 0;
    const t = process.hrtime.bigint();
    for (let rep = 0; rep < 10; rep++) for (const batch of batches) out += run(batch);
    const ns = Number(process.hrtime.bigint() - t);
    const records = 10 * batches.length * perBatch;
    if (round > 0) results.set(name, [...(results.get(name) ?? []), ns / records / 1000]);
    sizes.set(name, out / records);
  }
}
for (const [name, us] of results) {
  us.sort((a, b) => a - b);
  console.log(
    name.padEnd(42),
    `${us[us.length >> 1]!.toFixed(3)} µs/record (min ${us[0]!.toFixed(3)}, max ${us[us.length - 1]!.toFixed(3)}),`,
    `${sizes.get(name)!.toFixed(1)} B/record sent`,
  );
}
