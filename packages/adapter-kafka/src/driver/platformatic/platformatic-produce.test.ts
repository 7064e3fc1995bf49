import { type Producer, Reader, ResponseError, readRecordsBatch, type Writer } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { hasApiId } from './platformatic-errors.ts';
import { PlatformaticProduce, type ProduceSettings } from './platformatic-produce.ts';

/** A batch as a broker would see it in a Produce v9 request. */
interface Sent {
  readonly topic: string;
  readonly partition: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly sequence: number;
  readonly count: number;
}

/** Reads back the topics, partitions and batch producer fields of a flexible Produce request. */
function readRequest(writer: Writer): Sent[] {
  const r = Reader.from(writer.buffer);
  r.readUnsignedVarInt(); // transactional id: null
  r.readInt16();
  r.readInt32();
  const out: Sent[] = [];
  const topics = r.readUnsignedVarInt() - 1;
  for (let t = 0; t < topics; t++) {
    const topic = r.readString();
    const partitions = r.readUnsignedVarInt() - 1;
    for (let p = 0; p < partitions; p++) {
      const partition = r.readInt32();
      const batch = readRecordsBatch(Reader.from(r.readBytes()!));
      r.readTaggedFields();
      out.push({
        topic,
        partition,
        producerId: batch.producerId,
        producerEpoch: batch.producerEpoch,
        sequence: batch.firstSequence,
        count: batch.records.length,
      });
    }
    r.readTaggedFields();
  }
  return out;
}

/**
 * The client surface the writer uses (API versions, metadata, InitProducerId, pooled connections),
 * with a broker whose answers the test scripts: each request gets the next scripted error code
 * per partition (0 when none is left).
 */
function fakeClient(script: number[]) {
  const sent: Sent[][] = [];
  let nextId = 100n;
  const inits: bigint[] = [];
  let forcedMetadata = 0;
  const broker = { host: 'broker', port: 9092 };
  const connection = {
    send(
      _key: number,
      version: number,
      createPayload: () => Writer | Promise<Writer>,
      _parser: unknown,
      _requestTags: boolean,
      _responseTags: boolean,
      callback: (error: unknown, response?: unknown) => void,
    ) {
      void Promise.resolve(createPayload()).then((payload) => {
        const request = readRequest(payload);
        sent.push(request);
        const codes = request.map(() => script.shift() ?? 0);
        const response = {
          responses: [...new Set(request.map((s) => s.topic))].map((name) => ({
            name,
            partitionResponses: request
              .map((s, i) => ({ s, i }))
              .filter(({ s }) => s.topic === name)
              .map(({ s, i }) => ({
                index: s.partition,
                errorCode: codes[i],
                baseOffset: 7n,
                errorMessage: null,
              })),
          })),
          throttleTimeMs: 0,
        };
        if (codes.every((c) => c === 0)) callback(null, response);
        else
          callback(
            new ResponseError(
              0,
              version,
              Object.fromEntries(codes.map((c, i) => [`/${i}`, [c, null]])),
              response,
            ),
          );
      });
    },
  };
  const client = {
    listApis: async () => [{ apiKey: 0, name: 'Produce', minVersion: 3, maxVersion: 11 }],
    initIdempotentProducer: async () => {
      const producerId = nextId++;
      inits.push(producerId);
      return { producerId, producerEpoch: 0 };
    },
    metadata: async ({ topics, forceUpdate }: { topics: string[]; forceUpdate?: boolean }) => {
      if (forceUpdate) forcedMetadata++;
      return {
        brokers: new Map([[1, broker]]),
        topics: new Map(
          topics.map((t) => [t, { partitionsCount: 2, partitions: [{ leader: 1 }, { leader: 1 }] }]),
        ),
      };
    },
    connections: { get: async () => connection },
  };
  return {
    client: client as unknown as Producer<Buffer, Buffer, Buffer, Buffer>,
    sent,
    inits,
    forced: () => forcedMetadata,
  };
}

const settings: ProduceSettings = {
  acks: -1,
  idempotent: true,
  compression: 'none',
  timeoutMs: 1000,
  retries: 3,
  retryDelay: () => 1,
};

/** Each request's first batch: producer id and base sequence. */
const idsAndSequences = (sent: Sent[][]) => sent.map((r) => [r[0]!.producerId, r[0]!.sequence]);
const record = (partition: number) => ({ partition, key: null, value: Buffer.from('x'), headers: {} });
const write = (partitions: number[]) => ({
  topics: [{ topic: 'orders', records: partitions.map(record) }],
});

describe('platformatic writer: idempotent sequencing', () => {
  it('numbers each partition from 0 under one producer id, batch after batch', async () => {
    const { client, sent, inits } = fakeClient([]);
    const writer = new PlatformaticProduce(client, settings);
    await writer.produce(write([0, 0, 1]));
    const writes = await writer.produce(write([0, 1, 1]));
    expect(inits).toEqual([100n]);
    expect(sent.flat().map((s) => [s.partition, s.producerId, s.sequence, s.count])).toEqual([
      [0, 100n, 0, 2],
      [1, 100n, 0, 1],
      [0, 100n, 2, 1],
      [1, 100n, 1, 2],
    ]);
    expect(writes).toEqual([
      { topic: 'orders', partition: 0, baseOffset: '7' },
      { topic: 'orders', partition: 1, baseOffset: '7' },
    ]);
  });

  it('resends the same sequence after a retriable error, with the leader looked up again', async () => {
    const { client, sent, inits, forced } = fakeClient([6 /* NOT_LEADER_OR_FOLLOWER */]);
    const writer = new PlatformaticProduce(client, settings);
    await writer.produce(write([0]));
    expect(inits).toEqual([100n]);
    expect(sent.map((r) => r[0]!.sequence)).toEqual([0, 0]);
    expect(forced()).toBe(1);
  });

  it('takes a new producer id after OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID and numbers again from 0', async () => {
    for (const code of [45, 59]) {
      const { client, sent, inits } = fakeClient([0, code]);
      const writer = new PlatformaticProduce(client, settings);
      await writer.produce(write([0]));
      await writer.produce(write([0]));
      await writer.produce(write([0]));
      expect(inits).toEqual([100n, 101n]);
      expect(idsAndSequences(sent)).toEqual([
        [100n, 0],
        [100n, 1],
        [101n, 0],
        [101n, 1],
      ]);
    }
  });

  it('gives up when the producer state is lost twice in one write, and the next write starts a new session', async () => {
    const { client, sent, inits } = fakeClient([45, 45]);
    const writer = new PlatformaticProduce(client, settings);
    const error = await writer.produce(write([0])).catch((e: unknown) => e);
    expect(hasApiId(error, 'OUT_OF_ORDER_SEQUENCE_NUMBER')).toBe(true);
    await writer.produce(write([0]));
    expect(inits).toEqual([100n, 101n, 102n]);
    expect(idsAndSequences(sent)).toEqual([
      [100n, 0],
      [101n, 0],
      [102n, 0],
    ]);
  });

  it('fails at once on INVALID_PRODUCER_EPOCH; reset() (the adapter after a failed write) starts a new session', async () => {
    const { client, sent, inits } = fakeClient([0, 47]);
    const writer = new PlatformaticProduce(client, settings);
    await writer.produce(write([0]));
    await expect(writer.produce(write([0]))).rejects.toMatchObject({ apiId: 'INVALID_PRODUCER_EPOCH' });
    writer.reset();
    await writer.produce(write([0]));
    expect(inits).toEqual([100n, 101n]);
    expect(idsAndSequences(sent)).toEqual([
      [100n, 0],
      [100n, 1],
      [101n, 0],
    ]);
  });

  it('writes gzip batches (compressed asynchronously) and the other codecs the client reads back', async () => {
    for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const { client, sent } = fakeClient([]);
      const writer = new PlatformaticProduce(client, { ...settings, compression });
      await writer.produce(write([0, 0, 1]));
      await writer.produce(write([1]));
      expect(sent.flat().map((s) => [s.partition, s.sequence, s.count])).toEqual([
        [0, 0, 2],
        [1, 0, 1],
        [1, 1, 1],
      ]);
    }
  });

  it('writes no producer fields when not idempotent', async () => {
    const { client, sent, inits } = fakeClient([]);
    const writer = new PlatformaticProduce(client, { ...settings, idempotent: false, acks: 1 });
    await writer.produce(write([0, 1]));
    expect(inits).toEqual([]);
    expect(sent.flat().map((s) => [s.producerId, s.producerEpoch, s.sequence])).toEqual([
      [-1n, -1, -1],
      [-1n, -1, -1],
    ]);
  });
});
