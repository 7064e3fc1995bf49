import type { DriverRecord } from '../driver.ts';
import { crc32c } from './crc32c.ts';
import { type EncodedRecords, encodeRecords } from './record-encoder.ts';

/*
 * A whole Kafka record batch (magic 2), written by Switchyard: the records by `encodeRecords` (back
 * to back in the encoder's shared slab, one pass per record, headers included), then the 61-byte
 * batch header in front of them and its CRC-32C. The platformatic driver sends these bytes in its own Produce requests; its client would
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

/** The records of one partition, encoded once (retries of the same sequence numbers reuse them), and their timestamp. */
export interface BatchRecords {
  readonly records: EncodedRecords;
  readonly timestamp: number;
}

/** Encodes the records, with room in front for the batch header. */
export function batchRecords(records: readonly DriverRecord[], timestamp: number): BatchRecords {
  return { records: encodeRecords(records, BATCH_HEADER_BYTES), timestamp };
}

/**
 * The record batch for the records (the producer fields as given). Without a codec it is the
 * encoded records' own buffer with the header written in front; with one the records are
 * compressed first (gzip asynchronously).
 */
export function recordBatch(
  batch: BatchRecords,
  producer: BatchProducer,
  compression: BatchCompression | undefined,
): Buffer | Promise<Buffer> {
  const { records } = batch;
  if (compression === undefined) return finish(records.bytes, batch, producer, 0);
  const compressed = compression.compress(records.bytes.subarray(BATCH_HEADER_BYTES));
  const assemble = (body: Buffer): Buffer => {
    const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES + body.length);
    out.set(body, BATCH_HEADER_BYTES);
    return finish(out, batch, producer, compression.bits);
  };
  return compressed instanceof Promise ? compressed.then(assemble) : assemble(compressed);
}

function finish(batch: Buffer, records: BatchRecords, producer: BatchProducer, attributes: number): Buffer {
  const timestamp = BigInt(records.timestamp);
  batch.writeBigInt64BE(0n, 0); // base offset: the broker assigns it
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(-1, 12); // partition leader epoch: set by the broker
  batch[16] = 2; // magic
  batch.writeInt16BE(attributes, ATTRIBUTES_AT);
  batch.writeInt32BE(records.records.count - 1, 23);
  batch.writeBigInt64BE(timestamp, 27);
  batch.writeBigInt64BE(timestamp, 35);
  batch.writeBigInt64BE(producer.producerId, 43);
  batch.writeInt16BE(producer.producerEpoch, 51);
  batch.writeInt32BE(producer.baseSequence, 53);
  batch.writeInt32BE(records.records.count, 57);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_AT)), CRC_AT);
  return batch;
}
