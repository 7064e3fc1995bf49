import type { DriverRecord } from '../driver.ts';
import { crc32c } from './crc32c.ts';
import { encodeRecords } from './record-encoder.ts';

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
  /**
   * `compress` always returns a Buffer and is done with its input when it returns: the records
   * are then written into a scratch buffer the next batch reuses (the `transient` of `encodeRecords`).
   */
  readonly sync?: boolean;
}

export interface BatchProducer {
  /** -1n (with epoch and sequence -1) when the producer is not idempotent. */
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
}

export const NO_PRODUCER: BatchProducer = { producerId: -1n, producerEpoch: -1, baseSequence: -1 };

/**
 * The records of one partition, encoded (and compressed) once, with room in front for the batch
 * header: retries reuse them, since neither the producer fields nor the CRC are inside the
 * compressed part.
 */
export interface BatchRecords {
  readonly count: number;
  readonly timestamp: number;
  /** The codec's attribute bits (0: none). */
  readonly attributes: number;
  /** BATCH_HEADER_BYTES free, then the records as they travel (a promise while gzip works). */
  readonly body: Buffer | Promise<Buffer>;
  /** Whether a header was written into `body` already (a later one goes into a copy). */
  headed: boolean;
}

/** Encodes the records and, with a codec, compresses them now. */
export function batchRecords(
  records: readonly DriverRecord[],
  timestamp: number,
  compression?: BatchCompression,
): BatchRecords {
  const batch = (attributes: number, body: Buffer | Promise<Buffer>): BatchRecords => ({
    count: records.length,
    timestamp,
    attributes,
    body,
    headed: false,
  });
  if (compression === undefined) return batch(0, encodeRecords(records, BATCH_HEADER_BYTES).bytes);
  const encoded = encodeRecords(records, BATCH_HEADER_BYTES, compression.sync === true);
  const compressed = compression.compress(encoded.bytes.subarray(BATCH_HEADER_BYTES));
  if (!(compressed instanceof Promise)) return batch(compression.bits, withHeaderRoom(compressed));
  const body = compressed.then(withHeaderRoom);
  // An unhandled rejection would be reported before the request awaits it.
  body.catch(() => undefined);
  return batch(compression.bits, body);
}

function withHeaderRoom(compressed: Buffer): Buffer {
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES + compressed.length);
  out.set(compressed, BATCH_HEADER_BYTES);
  return out;
}

/**
 * The record batch with these producer fields. The first header is written in front of the
 * records themselves; a later one (the same records numbered again in a new producer session)
 * into a copy, since the bytes of an earlier attempt may still be queued on a socket.
 */
export function recordBatch(batch: BatchRecords, producer: BatchProducer): Buffer | Promise<Buffer> {
  const head = (body: Buffer): Buffer => {
    const target = batch.headed ? Buffer.from(body) : body;
    batch.headed = true;
    return finish(target, batch, producer);
  };
  return batch.body instanceof Promise ? batch.body.then(head) : head(batch.body);
}

function finish(batch: Buffer, records: BatchRecords, producer: BatchProducer): Buffer {
  const timestamp = BigInt(records.timestamp);
  batch.writeBigInt64BE(0n, 0); // base offset: the broker assigns it
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(-1, 12); // partition leader epoch: set by the broker
  batch[16] = 2; // magic
  batch.writeInt16BE(records.attributes, ATTRIBUTES_AT);
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
