import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamPublishOptions,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { connect, headers, type NatsConnection, nanos } from '@nats-io/transport-node';
import { uuidv7 } from '../../../packages/core/src/uuid-v7.ts';
import { windowed } from './chunked-publish.ts';
import { ceEvent, KeyedQueue, SAME_WORK_CONCURRENCY } from './same-work.ts';
import { decode, encode, switchyardBusSubject } from './switchyard-client.ts';
import type { MissingSubject, Outgoing, Subject, SubjectConfig, TransportModule } from './types.ts';

const servers = (env: Record<string, string>) => env.NATS_URL ?? 'nats://127.0.0.1:4222';

async function rawConnection(env: Record<string, string>): Promise<NatsConnection> {
  // noAsyncTraces: the documented switch that stops nats.js capturing a stack per request (JetStream publishes are requests).
  return connect({ servers: servers(env), name: 'bench-raw', timeout: 5_000, noAsyncTraces: true });
}

/**
 * What Switchyard puts on each JetStream publish in CloudEvents binary mode, for the `nats.js+ce`
 * variant: the same headers, sizes and order, and the event id as `msgID` (`Nats-Msg-Id`, which
 * also makes the server check its duplicate window), so "raw with headers" does the same wire and
 * server work as Switchyard — built the way nats.js documents (`headers()`, `set`).
 */
function cePublishOptions(m: Outgoing, msgId: boolean): Partial<JetStreamPublishOptions> {
  const id = uuidv7();
  const h = headers();
  h.set('ce-id', id);
  h.set('ce-type', 'bench.event');
  h.set('ce-source', 'bench');
  h.set('ce-specversion', '1.0');
  h.set('ce-time', new Date().toISOString());
  h.set('ce-partitionkey', m.key);
  h.set('content-type', 'application/json');
  return msgId ? { msgID: id, headers: h } : { headers: h };
}

/** Raw minimal: no headers, the data decoded and acked in the `consume()` callback. */
const raw = rawNatsJs({ id: 'nats.js', label: 'raw @nats-io/jetstream (minimal)', headers: false });
/** Raw nats.js sending the headers and msgID Switchyard sends: isolates what they cost nats.js and the server. */
const rawWithHeaders = rawNatsJs({
  id: 'nats.js+ce',
  label: 'raw @nats-io/jetstream + CE headers',
  headers: true,
});
/**
 * Raw nats.js doing a Switchyard subscription's work: reads the CloudEvents headers through
 * `msg.headers` (nats.js's documented way), decodes the JSON data, handles events of one key one at
 * a time with up to 64 keys at once, and acks each event once handled. Its producer sends what
 * `nats.js+ce` sends (the headers and `Nats-Msg-Id`), so in the latency scenario, the one outside
 * consume it runs in, the pair is Switchyard's peer at the same wire and the same consumer work.
 */
const rawSameWork = rawNatsJs({
  id: 'nats.js+same',
  label: 'raw @nats-io/jetstream, same work (CE headers + msgID, keyed, ack each)',
  headers: true,
  sameWork: true,
});

/** Raw @nats-io/jetstream, used as its docs show: awaited `js.publish`, pipelined publishes, `consume()`. */
function rawNatsJs(variant: { id: string; label: string; headers: boolean; sameWork?: boolean }): Subject {
  return {
    id: variant.id,
    label: variant.label,
    ...(variant.headers ? { extra: true } : {}),
    ...(variant.sameWork === true ? { consumeOnly: true } : {}),
    kind: 'raw',
    async prepareTopic(topic, config, env) {
      const nc = await rawConnection(env);
      try {
        const jsm = await jetstreamManager(nc);
        // The same stream settings the adapter's default topic gets: file storage, limits retention,
        // the server's default duplicate window (2 min; `duplicateWindowMs` sets it, a probe's knob).
        await jsm.streams.add({
          name: topic,
          subjects: [topic],
          storage: StorageType.File,
          ...(typeof config.duplicateWindowMs === 'number'
            ? { duplicate_window: nanos(config.duplicateWindowMs) }
            : {}),
        });
      } finally {
        await nc.close();
      }
    },
    async producer(config, env) {
      // `msgId: false` (a probe's knob): the headers without `Nats-Msg-Id`, to part header cost from de-duplication.
      const msgId = config.msgId !== false;
      const options = variant.headers ? (m: Outgoing) => cePublishOptions(m, msgId) : () => undefined;
      const nc = await rawConnection(env);
      const js = jetstream(nc);
      return {
        async publish(topic, m) {
          await js.publish(topic, encode(m), options(m));
        },
        // Pipelined: up to `inFlight` publishes await their PubAck at once.
        publishMany: (topic, count, make, inFlight) =>
          windowed(count, inFlight, (i) => {
            const m = make(i);
            return js.publish(topic, encode(m), options(m));
          }),
        async emitMany(topic, count, make) {
          const acks: Promise<unknown>[] = new Array(count);
          for (let i = 0; i < count; i++) {
            const m = make(i);
            acks[i] = js.publish(topic, encode(m), options(m));
          }
          await Promise.all(acks);
        },
        send(topic, m, onError) {
          js.publish(topic, encode(m), options(m)).catch(onError);
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
          if (variant.sameWork === true) {
            const keyed = new KeyedQueue(SAME_WORK_CONCURRENCY);
            await consumer.consume({
              max_messages: 1_000,
              callback: (m) => {
                const h = m.headers;
                // MsgHdrs.get answers '' for a missing header.
                const event = ceEvent(
                  (name) => h?.get(name) || undefined,
                  'ce-',
                  () => decode(m.data),
                );
                keyed.submit(
                  event.key,
                  () => onData(event.data),
                  () => m.ack(),
                );
              },
            });
            return;
          }
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
}

async function switchyardSubject(): Promise<Subject> {
  const { nats } = await import('@switchyard/adapter-nats');
  const transport = (config: SubjectConfig, env: Record<string, string>) =>
    nats({
      servers: servers(env),
      ...(typeof config.preset === 'string' ? { preset: config.preset as 'durable' } : {}),
    });
  return switchyardBusSubject('nats', transport);
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
    const available: Subject[] = [raw, rawWithHeaders, rawSameWork];
    const missing: MissingSubject[] = [];
    try {
      available.unshift(await switchyardSubject());
    } catch (error) {
      missing.push({
        id: 'switchyard',
        label: 'Switchyard (nats)',
        kind: 'switchyard',
        reason: `@switchyard/adapter-nats does not load: ${String(error)}`,
      });
    }
    return { available, missing };
  },
};
