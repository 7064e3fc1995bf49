import type kafkajs from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { headersToStrings, KafkajsConsumer } from './kafkajs-consumer.ts';

describe('headersToStrings', () => {
  it('turns kafkajs header Buffers into UTF-8 strings; a repeated header keeps its last value', () => {
    expect(
      headersToStrings({
        ce_id: Buffer.from('id-1'),
        'x-ü': Buffer.from('välüe'),
        repeated: [Buffer.from('first'), Buffer.from('last')],
        plain: 'already a string',
        missing: undefined,
      }),
    ).toEqual({ ce_id: 'id-1', 'x-ü': 'välüe', repeated: 'last', plain: 'already a string' });
    expect(headersToStrings(undefined)).toEqual({});
  });

  it('leaves out a header whose value is null', () => {
    const headers = { a: null, b: Buffer.from('b'), c: [Buffer.from('x'), null] } as never;
    expect(headersToStrings(headers)).toEqual({ b: 'b' });
  });

  it('decodes every event exactly while values repeat, change, and move between names', () => {
    const values = [
      '1.0',
      '1.1',
      'é',
      'e\u0301',
      '\u00e9x',
      'ab',
      'ac',
      '',
      '🚚',
      'order.placed',
      'order.placeD',
    ];
    const raw = [Buffer.from([0xff, 0x41]), Buffer.from([0xc3]), Buffer.from([0x41, 0xff])];
    for (let i = 0; i < 400; i++) {
      const pick = (n: number) => values[(i * n + (i >> 3)) % values.length]!;
      const headers: Record<string, Buffer> = {
        ce_specversion: Buffer.from(pick(1)),
        [i % 7 === 0 ? 'ce_type' : 'ce_source']: Buffer.from(pick(3)),
        bytes: raw[i % raw.length]!,
        ce_time: Buffer.from(pick(5)),
      };
      const expected = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.toString('utf8')]));
      expect(headersToStrings(headers)).toEqual(expected);
    }
  });
});

type Listener = (event: { payload: Record<string, unknown> }) => void;
type Pause = Array<{ topic: string; partitions?: number[] }>;

/** The parts of a kafkajs consumer KafkajsConsumer uses, recording what is paused. */
function fakeConsumer() {
  const listeners = new Map<string, Listener>();
  let paused: Pause = [];
  const fake = {
    events: {
      GROUP_JOIN: 'join',
      REBALANCING: 'rebalancing',
      FETCH_START: 'fetch_start',
      CRASH: 'crash',
      STOP: 'stop',
    },
    on: (event: string, listener: Listener) => void listeners.set(event, listener),
    subscribe: async () => {},
    connect: async () => {},
    run: async () => {},
    stop: async () => {},
    disconnect: async () => {},
    commitOffsets: async () => {
      throw new Error('Consumer group was not initialized, consumer#run must be called first');
    },
    resume: () => {
      paused = [];
    },
    pause: (topics: Pause) => {
      paused = topics;
    },
  };
  const emit = (event: string, payload: Record<string, unknown>) => listeners.get(event)?.({ payload });
  return { fake: fake as unknown as kafkajs.Consumer, emit, paused: () => paused };
}

describe('KafkajsConsumer with retry topics on a fetch cadence', () => {
  beforeEach(() =>
    vi.useFakeTimers({
      toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'performance'],
    }),
  );
  afterEach(() => vi.useRealTimers());

  it("pauses the retry topics' partitions between openings, on top of what the caller paused", async () => {
    const { fake, emit, paused } = fakeConsumer();
    const consumer = new KafkajsConsumer(() => fake, 'g', 10_000);
    await consumer.subscribe(['orders'], false);
    await consumer.subscribe(['orders.retry.1s', 'orders.retry.10s'], true, { fetchEveryMs: 100 });
    const running = consumer.run({
      onBatch: () => 0,
      onAssigned: () => consumer.setPaused([{ topic: 'orders.retry.10s', partitions: [1] }]),
      onRebalancing: async () => {},
      onCrash: () => {},
    });
    emit('join', {
      memberAssignment: { orders: [0, 1], 'orders.retry.1s': [0, 1], 'orders.retry.10s': [0, 1] },
    });
    await running;
    expect(paused()).toEqual([{ topic: 'orders.retry.10s', partitions: [1] }]); // open after the join

    emit('fetch_start', { nodeId: 1 });
    emit('fetch_start', { nodeId: 1 });
    expect(paused()).toEqual([
      { topic: 'orders.retry.10s', partitions: [1] },
      { topic: 'orders.retry.1s', partitions: [0, 1] },
      { topic: 'orders.retry.10s', partitions: [0, 1] },
    ]);
    expect(consumer.pausedPartitions()).toEqual([{ topic: 'orders.retry.10s', partitions: [1] }]);

    consumer.setPaused([{ topic: 'orders', partitions: [0] }]); // the caller's changes keep the cadence's
    expect(paused()).toContainEqual({ topic: 'orders', partitions: [0] });
    expect(paused()).toContainEqual({ topic: 'orders.retry.1s', partitions: [0, 1] });

    vi.advanceTimersByTime(100);
    expect(paused()).toEqual([{ topic: 'orders', partitions: [0] }]);

    await consumer.stop();
    vi.advanceTimersByTime(1_000);
    expect(paused()).toEqual([{ topic: 'orders', partitions: [0] }]);
  });
});

describe('KafkajsConsumer restarts after a crash', () => {
  it('lets kafkajs restart a crashed consumer only while it is meant to run (not after stop or disconnect)', async () => {
    const { fake, emit } = fakeConsumer();
    let restartOnFailure: (() => Promise<boolean>) | undefined;
    const consumer = new KafkajsConsumer(
      (policy) => {
        restartOnFailure = policy;
        return fake;
      },
      'g',
      10_000,
    );
    await consumer.subscribe(['orders'], false);
    const handlers = {
      onBatch: () => 0,
      onAssigned: () => {},
      onRebalancing: async () => {},
      onCrash: () => {},
    };
    const running = consumer.run(handlers);
    emit('join', { memberAssignment: { orders: [0] } });
    await running;
    expect(await restartOnFailure!()).toBe(true);
    await consumer.stop(); // e.g. to subscribe to one more topic
    expect(await restartOnFailure!()).toBe(false);
    const again = consumer.run(handlers);
    emit('join', { memberAssignment: { orders: [0] } });
    await again;
    expect(await restartOnFailure!()).toBe(true);
    await consumer.disconnect(); // the bus closes while a crash's restart is under way
    expect(await restartOnFailure!()).toBe(false);
  });
});

describe('KafkajsConsumer between a crash and its restart', () => {
  it('answers a commit with "not a member" once kafkajs has stopped the group, before the crash is reported', async () => {
    const { fake, emit } = fakeConsumer();
    const consumer = new KafkajsConsumer(() => fake, 'g', 10_000);
    await consumer.subscribe(['orders'], false);
    const running = consumer.run({
      onBatch: () => 0,
      onAssigned: () => {},
      onRebalancing: async () => {},
      onCrash: () => {},
    });
    emit('join', { memberAssignment: { orders: [0] } });
    await running;
    emit('stop', {}); // kafkajs' onCrash: stop() drops the group, CRASH comes after its disconnect
    await expect(consumer.commit([{ topic: 'orders', partition: 0, offset: '5' }])).rejects.toMatchObject({
      type: 'UNKNOWN_MEMBER_ID',
    });
    expect(() => consumer.setPaused([{ topic: 'orders', partitions: [0] }])).not.toThrow();
  });
});
