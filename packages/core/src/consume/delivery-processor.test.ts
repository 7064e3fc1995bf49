import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../envelope.ts';
import { EventBusError } from '../errors.ts';
import { BusMetrics } from '../observability/metrics.ts';
import { ProducerContexts } from '../observability/producer-contexts.ts';
import type { InboundMessage } from '../transport.ts';
import type { BatchItem, BatchRuns } from './batch-runs.ts';
import type { DeadLetterer } from './dead-letterer.ts';
import { type Delivery, DeliveryProcessor } from './delivery-processor.ts';
import { DispatchTable } from './dispatch-table.ts';
import type { HandlerEntry } from './handler-entry.ts';
import type { HandlerRuns, Outcome } from './handler-runs.ts';

/** What happened to one message, in order: acks, nacks, dead letters. */
type Settled = string[];

function message(settled: Settled, overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    topic: 'orders',
    key: 'k1',
    value: new Uint8Array(),
    headers: {},
    attempt: 1,
    ack: () => void settled.push('ack'),
    nack: (options) =>
      void settled.push(options?.delayMs === undefined ? 'nack' : `nack ${options.delayMs} ms`),
    ...overrides,
  };
}

function envelope(type: string): EventEnvelope {
  return {
    id: `id-${type}`,
    type,
    source: 'test',
    specversion: '1.0',
    time: '2026-12-05T00:00:00Z',
    datacontenttype: 'application/json',
    headers: {},
    data: {},
  };
}

function delivery(
  msg: InboundMessage,
  env: EventEnvelope | undefined,
  decodeError?: EventBusError,
): Delivery {
  return { message: msg, envelope: env, decodeError, followed: undefined, key: msg.key };
}

/** A handler entry as dispatch sees it: its type and the began/ended counts. */
function entry(type: string | undefined) {
  const counts = { began: 0, ended: 0 };
  const e = {
    type,
    definition: undefined,
    began: () => void counts.began++,
    ended: () => void counts.ended++,
  } as unknown as HandlerEntry;
  return { entry: e, counts };
}

/** A processor whose handler runs end as told (synchronously or later) and whose dead letters are recorded. */
function processor(options: {
  outcomes?: Map<HandlerEntry, Outcome>;
  entries?: HandlerEntry[];
  unhandled?: 'ack' | 'dead-letter';
  deferRuns?: boolean;
}) {
  const table = new DispatchTable();
  for (const e of options.entries ?? []) table.add(e);
  const deadLettered: Array<{ reason: string; id: string | undefined; attempts: number }> = [];
  const reported: unknown[] = [];
  const later: Array<() => void> = [];
  const runs = {
    run: (
      e: HandlerEntry,
      _m: InboundMessage,
      _env: EventEnvelope,
      _t: unknown,
      _b: boolean,
      end: (o: Outcome) => void,
    ) => {
      const outcome = options.outcomes?.get(e) ?? { kind: 'handled' };
      if (options.deferRuns) later.push(() => end(outcome));
      else end(outcome);
    },
  } as unknown as HandlerRuns;
  const batches: BatchItem[][] = [];
  const batchRuns = {
    run: async (_e: HandlerEntry, items: readonly BatchItem[]) => void batches.push([...items]),
  } as unknown as BatchRuns;
  const deadLetters = {
    send: async (
      msg: InboundMessage,
      id: string | undefined,
      reason: string,
      _e: unknown,
      attempts: number,
    ) => {
      deadLettered.push({ reason, id, attempts });
      msg.ack();
    },
    report: (error: unknown) => void reported.push(error),
  } as unknown as DeadLetterer;
  const proc = new DeliveryProcessor({
    topic: 'orders',
    group: 'billing',
    system: 'memory',
    unsampledParent: 'follow',
    unhandled: options.unhandled ?? 'dead-letter',
    metrics: new BusMetrics('memory'),
    table,
    producers: new ProducerContexts(),
    runs,
    batchRuns,
    deadLetters,
  });
  return { proc, deadLettered, reported, later, batches };
}

/** Runs one delivery; resolves with how many times `done` was called once the work has settled. */
async function processOne(proc: DeliveryProcessor, d: Delivery): Promise<number> {
  let done = 0;
  proc.process(d, (back) => {
    expect(back).toBe(d);
    done++;
  });
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
}

describe('DeliveryProcessor: every delivery is settled exactly once', () => {
  it('acks an event its one handler handled, counting the handler in and out', async () => {
    const orders = entry('order.placed');
    const { proc } = processor({ entries: [orders.entry] });
    const settled: Settled = [];
    expect(await processOne(proc, delivery(message(settled), envelope('order.placed')))).toBe(1);
    expect(settled).toEqual(['ack']);
    expect(orders.counts).toEqual({ began: 1, ended: 1 });
  });

  it('skips an event revoked before it started: neither acked nor handed back (its new owner has it)', async () => {
    const revoked = new AbortController();
    revoked.abort();
    const orders = entry(undefined);
    const { proc, deadLettered } = processor({ entries: [orders.entry] });
    const settled: Settled = [];
    const d = delivery(message(settled, { signal: revoked.signal }), envelope('order.placed'));
    expect(await processOne(proc, d)).toBe(1);
    expect(settled).toEqual([]);
    expect(deadLettered).toEqual([]);
    expect(orders.counts.began).toBe(0);
  });

  it('dead-letters an undecodable event with reason decode-failed, and is done only once that is settled', async () => {
    const { proc, deadLettered } = processor({ entries: [entry(undefined).entry] });
    const settled: Settled = [];
    const d = delivery(
      message(settled, { attempt: 2 }),
      undefined,
      new EventBusError('DECODE_FAILED', 'bad json'),
    );
    expect(await processOne(proc, d)).toBe(1);
    expect(deadLettered).toEqual([{ reason: 'decode-failed', id: undefined, attempts: 2 }]);
    expect(settled).toEqual(['ack']);
  });

  it('settles an event no handler declares by the unhandled policy: acked, or dead-lettered as unhandled-type', async () => {
    const acking = processor({ entries: [entry('order.placed').entry], unhandled: 'ack' });
    const settled: Settled = [];
    expect(await processOne(acking.proc, delivery(message(settled), envelope('order.shipped')))).toBe(1);
    expect(settled).toEqual(['ack']);
    expect(acking.deadLettered).toEqual([]);
    expect(acking.proc.unhandled).toBe(1);

    const dead = processor({ entries: [entry('order.placed').entry] });
    expect(await processOne(dead.proc, delivery(message([]), envelope('order.shipped')))).toBe(1);
    expect(dead.deadLettered).toEqual([{ reason: 'unhandled-type', id: 'id-order.shipped', attempts: 1 }]);
    expect(dead.proc.unhandled).toBe(1);
  });

  it('hands a broker retry back with its delay, and gives back an event whose handler was stopped', async () => {
    const retrying = entry(undefined);
    const redeliver = processor({
      entries: [retrying.entry],
      outcomes: new Map([[retrying.entry, { kind: 'redeliver', delayMs: 10_000, attempt: 2 }]]),
    });
    const settled: Settled = [];
    await processOne(redeliver.proc, delivery(message(settled), envelope('x')));
    expect(settled).toEqual(['nack 10000 ms']);

    const stopping = entry(undefined);
    const stopped = processor({
      entries: [stopping.entry],
      outcomes: new Map([[stopping.entry, { kind: 'stopped', error: new Error('closing') }]]),
    });
    const given: Settled = [];
    await processOne(stopped.proc, delivery(message(given), envelope('x')));
    expect(given).toEqual(['nack']);
  });

  it('with several handlers, waits for all of them: a failure dead-letters once, a stop outranks it', async () => {
    const ok = entry(undefined);
    const failing = entry('x');
    const stopping = entry(undefined);
    const failed = processor({
      entries: [ok.entry, failing.entry],
      outcomes: new Map([[failing.entry, { kind: 'failed', error: new Error('no'), attempts: 5 }]]),
      deferRuns: true,
    });
    const settled: Settled = [];
    let done = 0;
    failed.proc.process(delivery(message(settled), envelope('x')), () => void done++);
    failed.later.shift()!(); // the first handler is done; the event waits for the second
    expect(settled).toEqual([]);
    failed.later.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(failed.deadLettered).toEqual([{ reason: 'handler-failed', id: 'id-x', attempts: 5 }]);
    expect(settled).toEqual(['ack']);
    expect(done).toBe(1);
    expect(ok.counts).toEqual({ began: 1, ended: 1 });
    expect(failing.counts).toEqual({ began: 1, ended: 1 });

    const mixed = processor({
      entries: [failing.entry, stopping.entry],
      outcomes: new Map<HandlerEntry, Outcome>([
        [failing.entry, { kind: 'failed', error: new Error('no'), attempts: 5 }],
        [stopping.entry, { kind: 'stopped', error: new Error('closing') }],
      ]),
    });
    const back: Settled = [];
    await processOne(mixed.proc, delivery(message(back), envelope('x')));
    expect(back).toEqual(['nack']);
    expect(mixed.deadLettered).toEqual([]);
  });

  it('reports an ack that throws and still finishes the delivery, so its key does not stall', async () => {
    const { proc, reported } = processor({ entries: [entry(undefined).entry] });
    const broken = message([], {
      ack: () => {
        throw new Error('transport bug');
      },
    });
    expect(await processOne(proc, delivery(broken, envelope('x')))).toBe(1);
    expect(reported).toEqual([expect.objectContaining({ message: 'transport bug' })]);
  });

  it('a batch: undecodable and undeclared events are settled alone, the rest is one handler run', async () => {
    const placed = entry('order.placed');
    const { proc, batches, deadLettered } = processor({ entries: [placed.entry], unhandled: 'ack' });
    const revoked = new AbortController();
    revoked.abort();
    const acks: Settled = [];
    const deliveries = [
      delivery(message(acks), envelope('order.placed')),
      delivery(message(acks), undefined, new EventBusError('DECODE_FAILED', 'bad json')),
      delivery(message(acks), envelope('order.shipped')),
      delivery(message(acks, { signal: revoked.signal }), envelope('order.placed')),
      delivery(message(acks), envelope('order.placed')),
    ];
    let done = 0;
    proc.processBatch(deliveries, () => void done++);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(done).toBe(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((item) => item.message)).toEqual([deliveries[0]!.message, deliveries[4]!.message]);
    expect(deadLettered.map((d) => d.reason)).toEqual(['decode-failed']);
    expect(acks).toEqual(['ack', 'ack']); // the dead letter's and the undeclared event's
    expect(proc.unhandled).toBe(1);
  });
});
