import type { OutboundMessage } from '@switchyard/core/transport';
import { describe, expect, it } from 'vitest';
import type { TopicCreator } from '../admin/topic-creator.ts';
import type {
  ClientError,
  KafkaDriver,
  PartitionWrite,
  ProduceRequest,
  TopicMetadata,
} from '../driver/driver.ts';
import type { KafkaProducerOptions } from '../options/options.ts';
import { resolveKafkaOptions } from '../options/resolve.ts';
import { MetadataCache } from './metadata-cache.ts';
import { KafkaProducer } from './producer.ts';

/** A stand-in for the client below the driver seam: records requests, answers with offsets or an error. */
class RecordingDriver {
  requests: ProduceRequest[] = [];
  resets = 0;
  failNext: Error | undefined;
  /** Metadata lookups asked for, per topic; topics in `missing` do not exist. */
  lookups: string[] = [];
  missing = new Set<string>();
  private next = new Map<string, number>();
  async topicMetadata(topic: string): Promise<TopicMetadata | undefined> {
    this.lookups.push(topic);
    if (this.missing.has(topic)) return undefined;
    return {
      topic,
      partitions: [0, 1, 2, 3].map((partition) => ({ partition, leader: partition % 2, replicas: 1 })),
    };
  }
  /** Topics whose partitions the next requests fail one by one (the others' are written). */
  failTopic = new Map<string, Error>();
  async produce(request: ProduceRequest): Promise<PartitionWrite[]> {
    this.requests.push(request);
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failNext !== undefined) {
      const error = this.failNext;
      this.failNext = undefined;
      if ((error as ClientError).type === 'UNKNOWN_TOPIC_OR_PARTITION')
        this.missing.add(request.topics[0]!.topic);
      throw error;
    }
    return request.topics.flatMap(({ topic, records }): PartitionWrite[] => {
      const error = this.failTopic.get(topic);
      if (error !== undefined)
        return [...new Set(records.map((r) => r.partition))].map((partition) => ({
          topic,
          partition,
          baseOffset: undefined,
          error,
        }));
      const byPartition = new Map<number, number>();
      for (const r of records) byPartition.set(r.partition, (byPartition.get(r.partition) ?? 0) + 1);
      return [...byPartition].map(([partition, count]) => {
        const key = `${topic}/${partition}`;
        const base = this.next.get(key) ?? 0;
        this.next.set(key, base + count);
        return { topic, partition, baseOffset: String(base) };
      });
    });
  }
  async resetProducer() {
    this.resets++;
  }
  /** The next write's partitions of `topic` come back with `error` (the topic still listed), later ones are written. */
  refuseOnce(topic: string, error: Error): void {
    this.failTopic.set(topic, error);
    const produce = this.produce.bind(this);
    this.produce = async (request) => {
      const writes = await produce(request);
      this.failTopic.clear();
      return writes;
    };
  }
  /** The first metadata lookup after that refusal gets `answer` instead; says whether it came. */
  answerFirstLookupAfterRefusal(answer: () => Promise<TopicMetadata | undefined>): () => boolean {
    const lookup = this.topicMetadata.bind(this);
    let answered = false;
    this.topicMetadata = (topic) => {
      if (this.failTopic.size === 0 && !answered) {
        answered = true;
        return answer();
      }
      return lookup(topic);
    };
    return () => answered;
  }
  /** Holds every produce request until the returned function is called (a broker that does not answer). */
  hold(): () => void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const produce = this.produce.bind(this);
    this.produce = async (request) => {
      await held;
      return produce(request);
    };
    return release;
  }
}

/** Topics made on first use, as the transport's TopicCreator does: the driver then has them. */
class MakingCreator {
  made: string[] = [];
  private readonly driver: RecordingDriver;
  constructor(driver: RecordingDriver) {
    this.driver = driver;
  }
  forget(): void {}
  async ensureExists(topic: string): Promise<void> {
    this.made.push(topic);
    this.driver.missing.delete(topic);
  }
}

function producer(overrides: Partial<KafkaProducerOptions> = {}, { autoCreate = false } = {}) {
  const driver = new RecordingDriver();
  const creator = autoCreate ? new MakingCreator(driver) : undefined;
  const options = { ...resolveKafkaOptions().producer, ...overrides };
  const errors: string[] = [];
  const p = new KafkaProducer(
    driver as unknown as KafkaDriver,
    new MetadataCache(driver as unknown as KafkaDriver, creator as unknown as TopicCreator, 60_000),
    options,
    {
      redact: (text) => text,
      requestTimeoutMs: 10_000,
      onError: (e) => errors.push(e.code),
      onTopicsGone: (topics, events) => errors.push(`gone ${topics.join(',')}: ${events} again`),
      onTopicsNotServed: (topics, events) => errors.push(`not served ${topics.join(',')}: ${events} again`),
      onSuccess: () => {},
    },
  );
  return { p, driver, errors, creator };
}

const msg = (n: number, key: string | undefined = `k${n % 5}`, bytes = 16): OutboundMessage => ({
  topic: 'orders',
  key,
  value: Buffer.alloc(bytes, n % 256),
  headers: { ce_id: `id-${n}` },
  id: `id-${n}`,
});

describe('KafkaProducer', () => {
  it('settles every event with its own partition and consecutive offsets', async () => {
    const { p } = producer();
    const outcomes = await p.send(Array.from({ length: 50 }, (_, n) => msg(n)));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const offsets = new Map<number, number[]>();
    for (const o of outcomes) {
      if (!o.ok) continue;
      const list = offsets.get(o.receipt.partition!) ?? [];
      list.push(Number(o.receipt.offset));
      offsets.set(o.receipt.partition!, list);
    }
    for (const list of offsets.values()) expect(list).toEqual(list.map((_, i) => i));
  });

  it('batches concurrent sends into few requests', async () => {
    const { p, driver } = producer({ lingerMs: 0 });
    await p.send([msg(-1)]); // learn metadata first
    driver.requests = [];
    await Promise.all(Array.from({ length: 500 }, (_, n) => p.send([msg(n)])));
    // Two leaders, one request each in flight: a handful of requests, not 500.
    expect(driver.requests.length).toBeLessThanOrEqual(6);
  });

  it('refuses an oversize event without failing its neighbours', async () => {
    const { p } = producer({ maxMessageBytes: 1000 });
    const [small, big] = await p.send([msg(1), msg(2, 'k', 5000)]);
    expect(small!.ok).toBe(true);
    expect(big!.ok).toBe(false);
    if (!big!.ok) {
      expect(big!.error.code).toBe('EVENT_TOO_LARGE');
      expect(big!.error.message).toMatch(/bytes/);
    }
  });

  it('takes every event it is handed: the bound is core’s publish buffer, not a second one here', async () => {
    const { p, driver } = producer({ batchMaxMessages: 1000 });
    await p.send([msg(0)]); // metadata known
    const release = driver.hold();
    const sent = p.send(Array.from({ length: 150_000 }, (_, n) => msg(n)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(p.bufferedMessages).toBe(150_000);
    release();
    const outcomes = await sent;
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(p.bufferedMessages).toBe(0);
  });

  it('fails the events of a failed request with the mapped error and starts a fresh idempotent session', async () => {
    const { p, driver, errors } = producer();
    await p.send([msg(0)]);
    driver.failNext = brokerError('The request timed out', 'REQUEST_TIMED_OUT');
    const [failed] = await p.send([msg(1)]);
    expect(failed!.ok).toBe(false);
    if (!failed!.ok) expect([failed!.error.code, failed!.error.retriable]).toEqual(['TIMEOUT', true]);
    expect(errors).toEqual(['TIMEOUT']);
    const [next] = await p.send([msg(2)]);
    expect(next!.ok).toBe(true);
    expect(driver.resets).toBe(1);
  });

  it('keeps per-key order across sends', async () => {
    const { p, driver } = producer({ batchMaxMessages: 3 });
    await Promise.all(Array.from({ length: 60 }, (_, n) => p.send([msg(n, 'same-key')])));
    const values = driver.requests.flatMap((r) => r.topics.flatMap((t) => t.records.map((x) => x.value[0])));
    expect(values).toEqual(Array.from({ length: 60 }, (_, n) => n));
  });

  it('asks for a new topic’s metadata while the publishing loop still runs, once per topic', async () => {
    const { p, driver } = producer();
    const sends = [
      p.send(Array.from({ length: 40 }, (_, n) => msg(n))),
      p.send(Array.from({ length: 40 }, (_, n) => ({ ...msg(n), topic: 'payments' }))),
    ];
    // Nothing awaited yet: the burst's loop is still running when both requests have left.
    expect(driver.lookups).toEqual(['orders', 'payments']);
    const outcomes = (await Promise.all(sends)).flat();
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(driver.lookups).toEqual(['orders', 'payments']);
  });

  it('fails every event of a send to a missing topic after one lookup', async () => {
    const { p, driver } = producer();
    driver.missing.add('orders');
    const outcomes = await p.send(Array.from({ length: 50 }, (_, n) => msg(n)));
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(Array(50).fill('TOPIC_NOT_FOUND'));
    expect(driver.lookups).toEqual(['orders']);
    expect(p.bufferedMessages).toBe(0);
  });

  it('sends again, in order, the events of a topic deleted meanwhile once it is made anew', async () => {
    const { p, driver, errors, creator } = producer({ batchMaxMessages: 5 }, { autoCreate: true });
    await p.send([msg(0, 'same-key')]);
    driver.requests = [];
    // The next write finds the topic gone (the fake forgets it, as a broker would); events queued
    // behind that write go after the ones sent again.
    driver.failNext = unknownTopic();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, n) => p.send([msg(n + 1, 'same-key')])),
    );
    expect(outcomes.flat().map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(Array(20).fill('ok'));
    expect(creator!.made).toEqual(['orders']);
    const written = driver.requests
      .slice(1)
      .flatMap((r) => r.topics.flatMap((t) => t.records.map((x) => x.value[0])));
    expect(written).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
    expect(errors).toEqual([expect.stringMatching(/^gone orders: \d+ again$/)]);
    expect(p.bufferedMessages).toBe(0);
  });

  it('sends again the events a leader refused for a topic it does not host yet, and does not call it deleted', async () => {
    const { p, driver, errors } = producer({}, { autoCreate: true });
    await p.send([msg(0), { ...msg(0), topic: 'payments' }]);
    driver.requests = [];
    // The brokers list `orders` (the fake's metadata answers), but its partitions' writes come back
    // unknown once, as from a leader that does not host a topic made a moment ago.
    driver.refuseOnce('orders', unknownTopic());
    const outcomes = await p.send([msg(1), msg(2), { ...msg(1), topic: 'payments' }]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['ok', 'ok', 'ok']);
    expect(errors).toEqual(['not served orders: 2 again']);
    expect(p.bufferedMessages).toBe(0);
  });

  it('does not hold the events sent again on the lookup that decides how they are logged', async () => {
    const { p, driver, errors } = producer({}, { autoCreate: true });
    await p.send([msg(0)]);
    driver.refuseOnce('orders', unknownTopic());
    // The first lookup after the refusal (the one that tells deleted from not served) never answers.
    const hung = driver.answerFirstLookupAfterRefusal(() => new Promise(() => {}));
    const outcomes = await p.send([msg(1), msg(2)]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['ok', 'ok']);
    expect(hung()).toBe(true);
    expect(errors).toEqual([]); // nothing said yet: the lookup has not answered
  });

  it('reports topics whose lookup failed as deleted, as before the lookup was asked', async () => {
    const { p, driver, errors } = producer({}, { autoCreate: true });
    await p.send([msg(0)]);
    driver.refuseOnce('orders', unknownTopic());
    driver.answerFirstLookupAfterRefusal(() => Promise.reject(new Error('connection closed')));
    const outcomes = await p.send([msg(1)]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['ok']);
    expect(errors).toEqual(['gone orders: 1 again']);
  });

  it('sends a deleted topic’s events again only once', async () => {
    const { p, driver } = producer({}, { autoCreate: true });
    await p.send([msg(0)]);
    driver.failNext = unknownTopic();
    const again = driver.produce.bind(driver);
    driver.produce = async (request) => {
      driver.failNext ??= unknownTopic(); // gone again every time
      return again(request);
    };
    const [outcome] = await p.send([msg(1)]);
    expect(outcome!.ok ? 'ok' : outcome!.error.code).toBe('TOPIC_NOT_FOUND');
    expect(p.bufferedMessages).toBe(0);
  });

  it('fails only the partitions a driver reports failed, and without auto-creation sends nothing again', async () => {
    const { p, driver } = producer();
    await p.send([msg(0), { ...msg(0), topic: 'payments' }]);
    driver.requests = [];
    driver.failTopic.set('orders', unknownTopic());
    const outcomes = await p.send([msg(1), { ...msg(1), topic: 'payments' }]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['TOPIC_NOT_FOUND', 'ok']);
    expect(driver.requests).toHaveLength(1);
  });

  it('rejects the whole call after close', async () => {
    const { p } = producer();
    p.close();
    await expect(p.send([msg(0)])).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

/**
 * A broker's error, driver-neutral: the Kafka error name as `type`, the `ClientError` shape that
 * errors.ts maps whichever driver threw it. How each client's own errors read (kafkajs' classes,
 * @platformatic/kafka's PLT_KFK_ codes) is errors.test.ts' concern, not the producer's.
 */
function brokerError(message: string, type: string): Error {
  return Object.assign(new Error(message), { type, retriable: true } satisfies ClientError);
}

/** What a driver reports for a write to a topic the broker does not have (it was deleted). */
function unknownTopic(): Error {
  return brokerError('This server does not host this topic-partition', 'UNKNOWN_TOPIC_OR_PARTITION');
}
