import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { benchBus, busConsumer, busProducer, decode, encode, windowed } from './switchyard-client.ts';
import type { Subject, SubjectConfig, TransportModule } from './types.ts';

const servers = (env: Record<string, string>) => env.NATS_URL ?? 'nats://127.0.0.1:4222';

async function rawConnection(env: Record<string, string>): Promise<NatsConnection> {
  // noAsyncTraces: the documented switch that stops nats.js capturing a stack per request (JetStream publishes are requests).
  return connect({ servers: servers(env), name: 'bench-raw', timeout: 5_000, noAsyncTraces: true });
}

/** Raw @nats-io/jetstream, used as its docs show: awaited `js.publish`, pipelined publishes, `consume()`. */
const raw: Subject = {
  id: 'nats.js',
  label: 'raw @nats-io/jetstream',
  kind: 'raw',
  async prepareTopic(topic, _config, env) {
    const nc = await rawConnection(env);
    try {
      const jsm = await jetstreamManager(nc);
      // The same stream settings the adapter's default topic gets: file storage, limits retention.
      await jsm.streams.add({ name: topic, subjects: [topic], storage: StorageType.File });
    } finally {
      await nc.close();
    }
  },
  async producer(_config, env) {
    const nc = await rawConnection(env);
    const js = jetstream(nc);
    return {
      async publish(topic, m) {
        await js.publish(topic, encode(m));
      },
      // Pipelined: up to `inFlight` publishes await their PubAck at once.
      publishMany: (topic, count, make, inFlight) =>
        windowed(count, inFlight, (i) => js.publish(topic, encode(make(i)))),
      async emitMany(topic, count, make) {
        const acks: Promise<unknown>[] = new Array(count);
        for (let i = 0; i < count; i++) acks[i] = js.publish(topic, encode(make(i)));
        await Promise.all(acks);
      },
      send(topic, m, onError) {
        js.publish(topic, encode(m)).catch(onError);
      },
      close: () => nc.drain(),
    };
  },
  async consumer(_config, env) {
    const nc = await rawConnection(env);
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    return {
      async subscribe(topic, group, onData) {
        await jsm.consumers.add(topic, {
          durable_name: group,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          max_ack_pending: 10_000,
        });
        const consumer = await js.consumers.get(topic, group);
        await consumer.consume({
          max_messages: 1_000,
          callback: (m) => {
            onData(decode(m.data));
            m.ack();
          },
        });
      },
      close: () => nc.drain(),
    };
  },
};

async function switchyardSubject(): Promise<Subject> {
  const { nats } = await import('@switchyard/adapter-nats');
  const transport = (config: SubjectConfig, env: Record<string, string>) =>
    nats({
      servers: servers(env),
      ...(typeof config.preset === 'string' ? { preset: config.preset as 'durable' } : {}),
    });
  return {
    id: 'switchyard',
    label: 'Switchyard (nats)',
    kind: 'switchyard',
    async prepareTopic(topic, config, env, options) {
      const bus = benchBus(transport(config, env), config);
      try {
        await bus.ensureTopic({ name: topic, partitions: options.partitions });
      } finally {
        await bus.close();
      }
    },
    producer: async (config, env) => busProducer(benchBus(transport(config, env), config)),
    consumer: async (config, env) =>
      busConsumer(benchBus(transport(config, env), config), Number(config.concurrency ?? 64)),
  };
}

export const natsModule: TransportModule = {
  transport: 'nats',
  async probe(env) {
    try {
      const nc = await connect({ servers: servers(env), timeout: 3_000, reconnect: false });
      try {
        const info = nc.info;
        const jsm = await jetstreamManager(nc, { timeout: 3_000 });
        await jsm.getAccountInfo();
        return { ok: true, version: `nats-server ${info?.version ?? '?'}`, details: { url: servers(env) } };
      } finally {
        await nc.close();
      }
    } catch (error) {
      return {
        ok: false,
        reason: `NATS JetStream not reachable at ${servers(env)} (${error instanceof Error ? error.message : String(error)}); run infra/up nats`,
      };
    }
  },
  async cleanup(env, marker) {
    let deleted = 0;
    try {
      const nc = await rawConnection(env);
      try {
        const jsm = await jetstreamManager(nc);
        const names: string[] = [];
        for await (const si of jsm.streams.list())
          if (si.config.name.includes(marker)) names.push(si.config.name);
        for (const name of names) if (await jsm.streams.delete(name).catch(() => false)) deleted++;
      } finally {
        await nc.close();
      }
    } catch {
      // best effort: a broker that went away keeps its streams
    }
    return deleted;
  },
  async subjects() {
    const available: Subject[] = [raw];
    const missing: Array<{ id: string; reason: string }> = [];
    try {
      available.unshift(await switchyardSubject());
    } catch (error) {
      missing.push({ id: 'switchyard', reason: `@switchyard/adapter-nats does not load: ${String(error)}` });
    }
    return { available, missing };
  },
};
