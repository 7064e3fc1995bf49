import { describe, expect, it } from 'vitest';
import type { DriverRecord, ProduceRequest } from '../driver.ts';
import { resendUnknownPartitions, writesAroundDeletedTopics } from './kafkajs-partial-writes.ts';

const record = (partition: number): DriverRecord =>
  ({ partition, key: 'k', value: Buffer.from('v'), headers: {} }) as DriverRecord;

const request: ProduceRequest = {
  topics: [
    { topic: 'orders', records: [record(0), record(1)] },
    { topic: 'retired', records: [record(0), record(2), record(2)] },
  ],
};

/** kafkajs' error after its retries, for a partition of a topic the broker does not have. */
const unknownTopic = Object.assign(new Error('Number of retries exceeded'), {
  name: 'KafkaJSNumberOfRetriesExceeded',
  cause: Object.assign(new Error('This server does not host this topic-partition'), {
    name: 'KafkaJSProtocolError',
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    retriable: true,
  }),
});

function sender() {
  const sent: string[][] = [];
  const send = async (topics: ProduceRequest['topics']) => {
    sent.push(topics.map((t) => t.topic));
    return topics.flatMap((t) =>
      [...new Set(t.records.map((r) => r.partition))].map((partition) => ({
        topic: t.topic,
        partition,
        baseOffset: '7',
      })),
    );
  };
  return { sent, send };
}

describe('writesAroundDeletedTopics', () => {
  it('sends the request again without the deleted topics, whose partitions carry the error', async () => {
    const { sent, send } = sender();
    const writes = await writesAroundDeletedTopics(unknownTopic, request, true, async () => ['orders'], send);
    expect(sent).toEqual([['orders']]);
    expect(writes).toEqual([
      { topic: 'orders', partition: 0, baseOffset: '7' },
      { topic: 'orders', partition: 1, baseOffset: '7' },
      { topic: 'retired', partition: 0, baseOffset: undefined, error: unknownTopic },
      { topic: 'retired', partition: 2, baseOffset: undefined, error: unknownTopic },
    ]);
  });

  it('leaves the error to the whole request when resending could write twice, or would not help', async () => {
    const { sent, send } = sender();
    const listed = async () => ['orders'];
    const timeout = Object.assign(new Error('timed out'), { name: 'KafkaJSRequestTimeoutError' });
    const one: ProduceRequest = { topics: [request.topics[1]!] };
    expect(await writesAroundDeletedTopics(unknownTopic, request, false, listed, send)).toBeUndefined(); // not idempotent
    expect(await writesAroundDeletedTopics(timeout, request, true, listed, send)).toBeUndefined();
    expect(await writesAroundDeletedTopics(unknownTopic, one, true, listed, send)).toBeUndefined();
    expect(
      await writesAroundDeletedTopics(unknownTopic, request, true, async () => ['orders', 'retired'], send),
    ).toBeUndefined();
    expect(
      await writesAroundDeletedTopics(
        unknownTopic,
        request,
        true,
        async () => {
          throw timeout;
        },
        send,
      ),
    ).toBeUndefined();
    expect(sent).toEqual([]);
  });
});

describe('resendUnknownPartitions', () => {
  const unknown = new Error('This server does not host this topic-partition');
  const kept = [
    { topic: 'orders', partition: 0, baseOffset: '3' },
    { topic: 'orders', partition: 1, baseOffset: undefined, error: unknown },
    { topic: 'retired', partition: 0, baseOffset: undefined, error: unknown },
    { topic: 'retired', partition: 2, baseOffset: undefined, error: unknown },
  ];

  it('sends the unknown partitions of topics still listed once more; the deleted keep their error', async () => {
    const { sent, send } = sender();
    const writes = await resendUnknownPartitions(kept, request, async () => ['orders'], send);
    expect(sent).toEqual([['orders']]);
    expect(writes).toEqual([
      { topic: 'orders', partition: 0, baseOffset: '3' },
      kept[2],
      kept[3],
      { topic: 'orders', partition: 1, baseOffset: '7' },
    ]);
  });

  it('keeps the written partitions, and the first errors, when the resend fails', async () => {
    const failing = async (): Promise<never> => {
      throw unknown;
    };
    expect(await resendUnknownPartitions(kept, request, async () => ['orders'], failing)).toBe(kept);
  });

  it('sends nothing when every partition was written, or only deleted topics failed, or the list failed', async () => {
    const { sent, send } = sender();
    const written = [kept[0]!];
    expect(await resendUnknownPartitions(written, request, async () => [], send)).toBe(written);
    const deletedOnly = [kept[0]!, kept[2]!];
    expect(await resendUnknownPartitions(deletedOnly, request, async () => ['orders'], send)).toBe(
      deletedOnly,
    );
    const failing = async () => {
      throw new Error('timed out');
    };
    expect(await resendUnknownPartitions(kept, request, failing, send)).toBe(kept);
    expect(sent).toEqual([]);
  });
});
