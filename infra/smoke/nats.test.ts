import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { brokerEnv, type InfraService, requireBroker } from '../env.ts';
import { uniqueName } from './helpers.ts';

async function streamRoundTrip(opts: NodeConnectionOptions) {
  const nc = await connect({ ...opts, maxReconnectAttempts: 0, timeout: 5_000 });
  try {
    const jsm = await jetstreamManager(nc);
    const name = uniqueName('SMOKE').replaceAll('-', '_');
    await jsm.streams.add({ name, subjects: [`${name}.>`] });
    const js = jetstream(nc);
    for (const word of ['one', 'two', 'three']) {
      const ack = await js.publish(`${name}.words`, word);
      expect(ack.stream).toBe(name);
    }
    const consumer = await js.consumers.get(name); // an ordered consumer from the start
    const read: string[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await consumer.next({ expires: 5_000 });
      if (m) read.push(m.string());
    }
    expect(read).toEqual(['one', 'two', 'three']);
    await jsm.streams.delete(name);
    return nc.info?.version;
  } finally {
    await nc.close();
  }
}

const plain: Array<[string, InfraService]> = [
  ['NATS_URL', 'nats'],
  ['NATS_LATEST_URL', 'nats-latest'],
];
for (const [variable, service] of plain) {
  const url = requireBroker(variable, service);
  describe.skipIf(!url)(`${service} (JetStream)`, () => {
    it('creates a stream, publishes and reads the messages back in order', async () => {
      const version = await streamRoundTrip({ servers: url! });
      expect(version).toMatch(service === 'nats' ? /^2\.9\./ : /^2\.1[0-9]\./);
    });
  });
}

const secureUrl = requireBroker('NATS_SECURE_URL', 'nats-secure');
describe.skipIf(!secureUrl)('nats-secure (TLS + user/password)', () => {
  const tls = { caFile: brokerEnv('NATS_SECURE_CA_FILE') ?? '' };
  const user = brokerEnv('NATS_SECURE_USER') ?? '';
  const pass = brokerEnv('NATS_SECURE_PASSWORD') ?? '';

  it('refuses a wrong password', async () => {
    await expect(
      connect({
        servers: secureUrl!,
        tls,
        user,
        pass: `${pass}-wrong`,
        maxReconnectAttempts: 0,
        timeout: 5_000,
      }),
    ).rejects.toThrow(/authorization/i);
  });

  it('accepts the right password over TLS and serves JetStream', async () => {
    await streamRoundTrip({ servers: secureUrl!, tls, user, pass });
  });
});
