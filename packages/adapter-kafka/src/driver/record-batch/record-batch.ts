import type { DriverRecord } from '../driver.ts';
import { crc32c } from './crc32c.ts';
import { encodeRecord } from './record-encoder.ts';

/*
 * A whole Kafka record batch (magic 2), written by Switchyard: the records by `encodeRecord` (one
 * pass per record into a shared slab, headers included), then the 61-byte batch header and its
 * CRC-32C. The platformatic driver sends these bytes in its own Produce requests; its client would
 * otherwise build every record and every header as separate small buffers.
 *
 *   RecordBatch => BaseOffset:int64 BatchLength:int32 PartitionLeaderEpoch:int32 Magic:int8 CRC:uint32
 *                  Attributes:int16 LastOffsetDelta:int32 BaseTimestamp:int64 MaxTimestamp:int64
 *                  ProducerId:int64 ProducerEpoch:int16 BaseSequence:int32 Records:[Record]
 *
 * The CRC covers everything from Attributes to the end.
 */

export const BATCH_HEADER_BYTES = 61;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;

/** A codec's attribute bits (1 gzip, 2 snappy, 3 lz4, 4 zstd) and how it compresses the records. */
export interface BatchCompression {
  readonly bits: number;
  readonly compress: (records: Buffer) => Buffer | Promise<Buffer>;
}

export interface BatchProducer {
  /** -1n (with epoch and sequence -1) when the producer is not idempotent. */
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
}

export const NO_PRODUCER: BatchProducer = { producerId: -1n, producerEpoch: -1, baseSequence: -1 };

/** The records of one partition, encoded once: retries of the same sequence numbers resend these bytes. */
export interface EncodedRecords {
  readonly count: number;
  readonly timestamp: number;
  /** Each record's bytes (views into the encoder's slab). */
  readonly records: readonly Buffer[];
  /** Their total length. */
  readonly bytes: number;
}

export function encodeRecords(records: readonly DriverRecord[], timestamp: number): EncodedRecords {
  const encoded = new Array<Buffer>(records.length);
  let bytes = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const record = encodeRecord({ offsetDelta: i, key: r.key, value: r.value, headers: r.headers });
    if (record === undefined) throw new TypeError('A record has a key, value or header Kafka cannot carry.');
    encoded[i] = record.buf;
    bytes += record.buf.length;
  }
  return { count: records.length, timestamp, records: encoded, bytes };
}

/**
 * The record batch for `records` (the producer fields as given). With a codec the records are
 * compressed first (gzip is asynchronous).
 */
export function recordBatch(
  records: EncodedRecords,
  producer: BatchProducer,
  compression: BatchCompression | undefined,
): Buffer | Promise<Buffer> {
  if (compression === undefined) {
    const batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + records.bytes);
    let at = BATCH_HEADER_BYTES;
    for (const r of records.records) {
      batch.set(r, at);
      at += r.length;
    }
    return finish(batch, records, producer, 0);
  }
  const plain = Buffer.concat(records.records as Buffer[], records.bytes);
  const compressed = compression.compress(plain);
  const assemble = (body: Buffer): Buffer => {
    const batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + body.length);
    batch.set(body, BATCH_HEADER_BYTES);
    return finish(batch, records, producer, compression.bits);
  };
  return compressed instanceof Promise ? compressed.then(assemble) : assemble(compressed);
}

function finish(batch: Buffer, records: EncodedRecords, producer: BatchProducer, attributes: number): Buffer {
  const timestamp = BigInt(records.timestamp);
  batch.writeBigInt64BE(0n, 0); // base offset: the broker assigns it
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(-1, 12); // partition leader epoch: set by the broker
  batch[16] = 2; // magic
  batch.writeInt16BE(attributes, ATTRIBUTES_AT);
  batch.writeInt32BE(records.count - 1, 23);
  batch.writeBigInt64BE(timestamp, 27);
  batch.writeBigInt64BE(timestamp, 35);
  batch.writeBigInt64BE(producer.producerId, 43);
  batch.writeInt16BE(producer.producerEpoch, 51);
  batch.writeInt32BE(producer.baseSequence, 53);
  batch.writeInt32BE(records.count, 57);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_AT)), CRC_AT);
  return batch;
}
