import type { EventBus, EventBusOptions, Transport } from '@switchyard/core';
import { createEventBus } from '@switchyard/core';
import type { BenchData } from '../payload.ts';
import { publishInChunks, windowed } from './chunked-publish.ts';
import type { ConsumerClient, Outgoing, ProducerClient, Subject, SubjectConfig } from './types.ts';

const TYPE = 'bench.event';

/** Bus options every Switchyard subject shares: JSON codec (the default), tracing from the config. */
export function benchBus(
  transport: Transport,
  config: SubjectConfig,
  extra: Partial<EventBusOptions> = {},
): EventBus {
  return createEventBus({
    source: 'bench',
    transport,
    tracing: config.tracing !== 'off',
    onError: (error) => {
      emitErrors++;
      firstEmitError ??= error.message;
    },
    ...extra,
  });
}

let emitErrors = 0;
let firstEmitError: string | undefined;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A producer on a connected bus: connected when opened (`bus.connect()`), as the raw peers connect
 * their clients when opened, so no subject's first publish pays for the connection.
 */
export async function openBusProducer(transport: Transport, config: SubjectConfig): Promise<ProducerClient> {
  const bus = benchBus(transport, config);
  await bus.connect();
  return busProducer(bus);
}

/** Publishing through the bus: `publish` awaited, N concurrent `publish` calls, `publishBatch` calls, or `emit`. */
export function busProducer(bus: EventBus): ProducerClient {
  return {
    async publish(topic, m) {
      await bus.publish(topic, { type: TYPE, key: m.key, data: m.data });
    },
    async publishMany(topic, count, make, inFlight) {
      await windowed(count, inFlight, (i) => {
        const m = make(i);
        return bus.publish(topic, { type: TYPE, key: m.key, data: m.data });
      });
    },
    // Calls of `inFlight` events, one at a time: the raw Kafka peers' batch calls, in the same chunks.
    publishBatches: (topic, count, make, inFlight) =>
      publishInChunks(count, inFlight, inFlight, (from, to) => {
        const events = [];
        for (let i = from; i < to; i++) {
          const m = make(i);
          events.push({ type: TYPE, key: m.key, data: m.data });
        }
        return bus.publishBatch(topic, events);
      }),
    async emitMany(topic, count, make) {
      const errorsBefore = emitErrors;
      // The bus is connected (openBusProducer), so every emit below is in the publish buffer at once.
      for (let i = 0; i < count; i++) {
        const m = make(i);
        bus.emit(topic, { type: TYPE, key: m.key, data: m.data });
        // Yield now and then like a real producer loop would, so sends and acks interleave with emits.
        if ((i & 1023) === 1023) await tick();
      }
      // emit has no promise: wait until the bus reports its publish buffer empty (bounded).
      const deadline = Date.now() + 120_000;
      while ((await bus.health()).publishBuffer.messages > 0) {
        if (Date.now() > deadline) throw new Error('emitted events still unconfirmed after 120 s');
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      if (emitErrors > errorsBefore) {
        throw new Error(`${emitErrors - errorsBefore} emits failed; first: ${firstEmitError}`);
      }
    },
    send(topic, m, onError) {
      bus.publish(topic, { type: TYPE, key: m.key, data: m.data }).catch(onError);
    },
    close: () => bus.close({ drainTimeoutMs: 10_000 }),
  };
}

export function busConsumer(bus: EventBus, concurrency: number): ConsumerClient {
  return {
    async subscribe(topic, group, onData) {
      await bus.subscribe(topic, (event) => onData(event.data as BenchData), {
        group,
        concurrency,
        startFrom: 'earliest',
        retry: false,
      });
    },
    close: () => bus.close({ drainTimeoutMs: 10_000 }),
  };
}

/**
 * The Switchyard subject of a transport: its topics made through `bus.ensureTopic` (with the
 * run's partitions), producer and consumer through the bus (consumer concurrency 64 unless configured).
 */
export function switchyardBusSubject(
  transport: string,
  make: (config: SubjectConfig, env: Record<string, string>) => Transport,
): Subject {
  return {
    id: 'switchyard',
    label: `Switchyard (${transport})`,
    kind: 'switchyard',
    async prepareTopic(topic, config, env, options) {
      const bus = benchBus(make(config, env), config);
      try {
        await bus.ensureTopic({ name: topic, partitions: options.partitions });
      } finally {
        await bus.close();
      }
    },
    producer: (config, env) => openBusProducer(make(config, env), config),
    consumer: async (config, env) =>
      busConsumer(benchBus(make(config, env), config), Number(config.concurrency ?? 64)),
  };
}

export const encode = (m: Outgoing): Buffer => Buffer.from(JSON.stringify(m.data), 'utf8');
export const decode = (bytes: Uint8Array): BenchData =>
  JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as BenchData;
