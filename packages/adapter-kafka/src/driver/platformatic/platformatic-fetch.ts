import {
  type Connection,
  compressionsAlgorithms,
  ProtocolError,
  type Reader,
  ResponseError,
  Writer,
} from '@platformatic/kafka';
import { type AbortedTransaction, CorruptBatchError } from '../record-batch/record-batch-decoder.ts';

/*
 * Fetch requests written by the driver on @platformatic/kafka's own connections (as
 * platformatic-produce.ts does for Produce), and their responses read without decoding the
 * records: each partition's record batches stay one view of the response, for
 * `decodeRecordBatches` (record-batch/) to read straight into the driver's messages. The client's
 * `Consumer.fetch` decoded every record and each of its headers into separate buffers first.
 *
 * Versions 13 to 17 (topic ids, flexible encoding; v13 and v14 still carry replica_id). Every
 * request is a full one without a fetch session (session id 0, epoch -1): the loop asks for each
 * partition at its position every time, so the broker answers exactly the partitions asked for.
 */

export const FETCH_KEY = 1;
export const MIN_FETCH_VERSION = 13;
export const MAX_FETCH_VERSION = 17;
/** No session: a full fetch request the broker keeps no state for (KIP-227's FINAL_EPOCH). */
const NO_SESSION_EPOCH = -1;

export interface FetchRequestPartition {
  readonly partition: number;
  readonly fetchOffset: bigint;
  readonly partitionMaxBytes: number;
}

export interface FetchRequestSettings {
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly isolationLevel: 0 | 1;
  readonly topics: ReadonlyArray<{
    readonly topicId: string;
    readonly partitions: readonly FetchRequestPartition[];
  }>;
}

export interface RawFetchPartition {
  readonly partitionIndex: number;
  readonly errorCode: number;
  readonly highWatermark: bigint;
  readonly logStartOffset: bigint;
  readonly abortedTransactions: AbortedTransaction[] | null;
  /** The partition's record batches as a view of the response (null when none). */
  readonly records: Buffer | null;
}

export interface RawFetchResponse {
  readonly errorCode: number;
  readonly responses: Array<{ readonly topicId: string; readonly partitions: RawFetchPartition[] }>;
}

/** The Fetch request body after the header the connection writes. */
export function fetchRequest(version: number, s: FetchRequestSettings): Writer {
  const writer = Writer.create();
  if (version < 15) writer.appendInt32(-1); // replica_id: a consumer
  writer
    .appendInt32(s.maxWaitMs)
    .appendInt32(s.minBytes)
    .appendInt32(s.maxBytes)
    .appendInt8(s.isolationLevel)
    .appendInt32(0) // session_id
    .appendInt32(NO_SESSION_EPOCH)
    .appendArray(
      s.topics as Array<FetchRequestSettings['topics'][number]>,
      (w, t) => {
        w.appendUUID(t.topicId).appendArray(
          t.partitions as FetchRequestPartition[],
          (w, p) => {
            w.appendInt32(p.partition)
              .appendInt32(-1) // current_leader_epoch
              .appendInt64(p.fetchOffset)
              .appendInt32(-1) // last_fetched_epoch
              .appendInt64(-1n) // log_start_offset (followers only)
              .appendInt32(p.partitionMaxBytes);
          },
          true,
          true,
        );
      },
      true,
      true,
    )
    .appendArray([], () => undefined, true, true) // forgotten_topics_data
    .appendString('', true) // rack_id
    .appendTaggedFields();
  return writer;
}

/** Reads a Fetch response (v13–v17) past its header; the records are left as views of the response. */
export function parseFetchResponse(
  _correlationId: number,
  _apiKey: number,
  _apiVersion: number,
  reader: Reader,
): RawFetchResponse {
  reader.readInt32(); // throttle_time_ms
  const errorCode = reader.readInt16();
  reader.readInt32(); // session_id
  const responses: RawFetchResponse['responses'] = [];
  const topics = reader.readUnsignedVarInt() - 1;
  for (let t = 0; t < topics; t++) {
    const topicId = reader.readUUID();
    const partitions: RawFetchPartition[] = [];
    const count = reader.readUnsignedVarInt() - 1;
    for (let i = 0; i < count; i++) {
      const partitionIndex = reader.readInt32();
      const partitionError = reader.readInt16();
      const highWatermark = reader.readInt64();
      reader.readInt64(); // last_stable_offset
      const logStartOffset = reader.readInt64();
      let abortedTransactions: AbortedTransaction[] | null = null;
      const aborted = reader.readUnsignedVarInt() - 1;
      if (aborted >= 0) {
        abortedTransactions = [];
        for (let a = 0; a < aborted; a++) {
          abortedTransactions.push({ producerId: reader.readInt64(), firstOffset: reader.readInt64() });
          reader.readTaggedFields();
        }
      }
      reader.readInt32(); // preferred_read_replica
      const size = reader.readUnsignedVarInt() - 1;
      let records: Buffer | null = null;
      if (size > 0) {
        records = reader.buffer.slice(reader.position, reader.position + size);
        reader.skip(size);
      }
      reader.readTaggedFields(); // diverging_epoch, current_leader, snapshot_id
      partitions.push({
        partitionIndex,
        errorCode: partitionError,
        highWatermark,
        logStartOffset,
        abortedTransactions,
        records,
      });
    }
    reader.readTaggedFields();
    responses.push({ topicId, partitions });
  }
  reader.readTaggedFields(); // node_endpoints (v16+)
  return { errorCode, responses };
}

/** Sends one Fetch request on the connection; a request-level error code rejects with the broker's error. */
export function sendFetch(
  connection: Connection,
  version: number,
  settings: FetchRequestSettings,
): Promise<RawFetchResponse> {
  return new Promise((resolve, reject) => {
    connection.send(
      FETCH_KEY,
      version,
      () => fetchRequest(version, settings),
      parseFetchResponse,
      true,
      true,
      (error, result) => {
        if (error !== null && error !== undefined) {
          const response =
            error instanceof ResponseError ? (error as { response?: unknown }).response : undefined;
          if (response === undefined) reject(error);
          else resolve(response as RawFetchResponse);
        } else if (result!.errorCode !== 0) reject(new ProtocolError(result!.errorCode));
        else resolve(result!);
      },
    );
  });
}

const BY_BITS = new Map<number, (data: Buffer) => Buffer>(
  Object.values(compressionsAlgorithms).map((a) => [a.bitmask, a.decompressSync as (data: Buffer) => Buffer]),
);

/** Decompresses a batch's records with the client's own codecs (as its consumer did). */
export function decompressWithClient(codec: number, compressed: Buffer): Buffer {
  const decompress = BY_BITS.get(codec);
  if (decompress === undefined || codec === 0)
    throw new CorruptBatchError(`A record batch uses compression ${codec}, which the client does not know.`);
  return decompress(compressed);
}
