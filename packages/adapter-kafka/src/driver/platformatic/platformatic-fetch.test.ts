import { Reader, Writer } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { resolveKafkaOptions } from '../../options/resolve.ts';
import type { DriverBatch } from '../driver.ts';
import { batchRecords, NO_PRODUCER, recordBatch } from '../record-batch/record-batch.ts';
import { fetchRequest, parseFetchResponse, type RawFetchResponse } from './platformatic-fetch.ts';
import { FetchLoop } from './platformatic-fetch-loop.ts';

const TOPIC_ID = '6d4c3a2b-1f0e-4d5c-9b8a-7766554433ff';
const TOPIC = 'pfetch-orders';

/** A batch of `n` records at `baseOffset`, as a broker returns it. */
function batchAt(baseOffset: bigint, n: number): Buffer {
  const list = Array.from({ length: n }, (_, i) => ({
    partition: 0,
    key: null,
    value: Buffer.from(`v${i}`),
    headers: { ce_id: `id-${i}`, ce_type: 'order.placed' },
  }));
  const batch = Buffer.from(recordBatch(batchRecords(list, 1_000), NO_PRODUCER) as Buffer);
  batch.writeBigInt64BE(baseOffset, 0);
  return batch;
}

interface PartitionAnswer {
  readonly partition: number;
  readonly errorCode?: number;
  readonly records?: Buffer;
  readonly aborted?: Array<{ producerId: bigint; firstOffset: bigint }>;
}

/** A Fetch v17 response body (after the response header), as a broker writes it. */
function responseBody(partitions: readonly PartitionAnswer[], errorCode = 0): Writer {
  const w = Writer.create().appendInt32(0).appendInt16(errorCode).appendInt32(0);
  w.appendUnsignedVarInt(2)
    .appendUUID(TOPIC_ID)
    .appendUnsignedVarInt(partitions.length + 1);
  for (const p of partitions) {
    w.appendInt32(p.partition)
      .appendInt16(p.errorCode ?? 0)
      .appendInt64(100n) // high watermark
      .appendInt64(100n) // last stable offset
      .appendInt64(3n); // log start offset
    if (p.aborted === undefined) w.appendUnsignedVarInt(0);
    else {
      w.appendUnsignedVarInt(p.aborted.length + 1);
      for (const a of p.aborted) w.appendInt64(a.producerId).appendInt64(a.firstOffset).appendTaggedFields();
    }
    w.appendInt32(-1); // preferred read replica
    if (p.records === undefined) w.appendUnsignedVarInt(0);
    else w.appendUnsignedVarInt(p.records.length + 1).append(p.records);
    // A tagged field the reader skips (current_leader).
    w.appendUnsignedVarInt(1).appendUnsignedVarInt(1).appendUnsignedVarInt(8).appendInt32(1).appendInt32(5);
  }
  w.appendTaggedFields(); // topic
  w.appendTaggedFields(); // response
  return w;
}

function parse(body: Writer): RawFetchResponse {
  return parseFetchResponse(0, 1, 17, Reader.from(body.buffer));
}

describe('Fetch requests and responses', () => {
  it('writes a session-less full request; replica_id only before v15', () => {
    const settings = {
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 1 as const,
      topics: [
        { topicId: TOPIC_ID, partitions: [{ partition: 2, fetchOffset: 42n, partitionMaxBytes: 4096 }] },
      ],
    };
    const v17 = Reader.from(fetchRequest(17, settings).buffer);
    expect([v17.readInt32(), v17.readInt32(), v17.readInt32(), v17.readInt8()]).toEqual([500, 1, 1 << 20, 1]);
    expect([v17.readInt32(), v17.readInt32()]).toEqual([0, -1]); // no session, final epoch
    expect(v17.readUnsignedVarInt()).toBe(2);
    expect(v17.readUUID()).toBe(TOPIC_ID);
    expect(v17.readUnsignedVarInt()).toBe(2);
    expect([
      v17.readInt32(),
      v17.readInt32(),
      v17.readInt64(),
      v17.readInt32(),
      v17.readInt64(),
      v17.readInt32(),
    ]).toEqual([2, -1, 42n, -1, -1n, 4096]);
    const v13 = Reader.from(fetchRequest(13, settings).buffer);
    expect([v13.readInt32(), v13.readInt32()]).toEqual([-1, 500]);
    expect(fetchRequest(13, settings).buffer.length).toBe(fetchRequest(17, settings).buffer.length + 4);
  });

  it('reads partitions with their errors, aborted transactions and records as a view, skipping tagged fields', () => {
    const records = Buffer.concat([batchAt(10n, 2), batchAt(12n, 1)]);
    const response = parse(
      responseBody([
        { partition: 0, records, aborted: [{ producerId: 4n, firstOffset: 9n }] },
        { partition: 1, errorCode: 6 },
        { partition: 2 },
      ]),
    );
    expect(response.errorCode).toBe(0);
    expect(response.responses).toHaveLength(1);
    const [p0, p1, p2] = response.responses[0]!.partitions;
    expect(p0).toMatchObject({ partitionIndex: 0, errorCode: 0, highWatermark: 100n, logStartOffset: 3n });
    expect(p0!.abortedTransactions).toEqual([{ producerId: 4n, firstOffset: 9n }]);
    expect(p0!.records!.equals(records)).toBe(true);
    expect(p1).toMatchObject({ partitionIndex: 1, errorCode: 6, records: null, abortedTransactions: null });
    expect(p2).toMatchObject({ partitionIndex: 2, errorCode: 0, records: null });
  });
});

/** The client surface the loop's own fetch uses, with a broker whose answers the test scripts. */
function fakeClient(answers: Array<readonly PartitionAnswer[]>) {
  const requests: Array<Array<{ partition: number; offset: bigint }>> = [];
  let clearedMetadata = 0;
  const connection = {
    send(
      _key: number,
      version: number,
      createPayload: () => Writer,
      parser: typeof parseFetchResponse,
      _a: boolean,
      _b: boolean,
      callback: (error: Error | null, result?: unknown) => void,
    ) {
      const r = Reader.from(createPayload().buffer);
      r.skip(4 * 3 + 1 + 4 * 2);
      r.readUnsignedVarInt();
      r.readUUID();
      const asked: Array<{ partition: number; offset: bigint }> = [];
      const count = r.readUnsignedVarInt() - 1;
      for (let i = 0; i < count; i++) {
        const partition = r.readInt32();
        r.readInt32();
        const offset = r.readInt64();
        r.skip(4 + 8 + 4);
        r.readTaggedFields();
        asked.push({ partition, offset });
      }
      requests.push(asked);
      const answer = answers.shift() ?? [];
      setTimeout(() => callback(null, parser(0, 1, version, Reader.from(responseBody(answer).buffer))), 2);
    },
  };
  const broker = { host: 'b', port: 1 };
  const client = {
    listApis: async () => [{ apiKey: 1, minVersion: 4, maxVersion: 17 }],
    metadata: async () => ({
      brokers: new Map([[1, broker]]),
      topics: new Map([
        [TOPIC, { id: TOPIC_ID, partitionsCount: 2, partitions: [{ leader: 1 }, { leader: 1 }] }],
      ]),
    }),
    connections: { get: async () => connection },
    clearMetadata: () => {
      clearedMetadata++;
    },
  };
  return { client, requests, cleared: () => clearedMetadata };
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

describe('fetch loop, own Fetch requests', () => {
  it.each([
    ['NOT_LEADER_OR_FOLLOWER', 6],
    ['UNKNOWN_TOPIC_OR_PARTITION', 3],
  ])(
    'after %s drops the metadata, backs off, and delivers the other partition meanwhile',
    async (name, code) => {
      const options = resolveKafkaOptions({
        brokers: ['127.0.0.1:1'],
        driver: 'platformatic',
        retry: { initialRetryTimeMs: 20, maxRetryTimeMs: 80 },
      });
      const { client, requests, cleared } = fakeClient([
        [
          { partition: 0, errorCode: code },
          { partition: 1, records: batchAt(7n, 2) },
        ],
        [{ partition: 0, records: batchAt(5n, 1) }],
      ]);
      const batches: DriverBatch[] = [];
      const logs: string[] = [];
      const loop = new FetchLoop(options, (_level, message) => logs.push(message), 'group g', {
        prepare: async () => true,
        onBatch: (batch) => {
          batches.push(batch);
          return batch.messages.length;
        },
        topics: new Map([[TOPIC, true]]),
      });
      loop.assign(
        new Map([[TOPIC, [0, 1]]]),
        new Map([
          [`${TOPIC}:0`, 5n],
          [`${TOPIC}:1`, 7n],
        ]),
      );
      loop.start(client as never, undefined);
      try {
        await waitFor(() => batches.some((b) => b.partition === 0));
        expect(cleared()).toBeGreaterThanOrEqual(1);
        expect(logs[0]).toMatch(
          new RegExp(`fetching from broker 1 for group g failed, trying again in 20 ms: .*${name}`),
        );
        expect(batches[0]).toMatchObject({ topic: TOPIC, partition: 1 });
        expect(batches[0]!.messages.map((m) => [m.offset, m.headers.ce_id])).toEqual([
          ['7', 'id-0'],
          ['8', 'id-1'],
        ]);
        // The retry asks again for partition 0 where it was, and for partition 1 after what was handed over.
        expect(requests[1]).toEqual([
          { partition: 0, offset: 5n },
          { partition: 1, offset: 9n },
        ]);
      } finally {
        loop.stop();
      }
    },
  );
});
