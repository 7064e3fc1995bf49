import { nkeys } from '@nats-io/nats-core';
import { createEventBus, EventBusError, isEventBusError, type Transport } from '@switchyard/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nats } from './nats.ts';
import type { NatsTransportOptions } from './options.ts';
import { message, quiet, waitFor } from './test-support/fixture.ts';
import { PrivateNatsServer } from './test-support/private-server.ts';
import { SECURE_SERVER, SERVER_BINARIES } from './test-support/servers.ts';

const secure = SECURE_SERVER;

const opened: Transport[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((t) => t.close()));
});

/** A transport whose log lines are kept, to prove that no secret reaches them. */
function transport(options: NatsTransportOptions): { transport: Transport; logged: string[] } {
  const logged: string[] = [];
  const t = nats({
    connectTimeoutMs: 3_000,
    ...options,
    logger: { warn: (m) => logged.push(m), error: (m) => logged.push(m) },
  });
  opened.push(t);
  return { transport: t, logged };
}

async function connectError(t: Transport): Promise<EventBusError> {
  const error = await t.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof EventBusError))
    throw new Error(`expected connect to fail with an EventBusError, got ${String(error)}`);
  return error;
}

async function roundTrip(t: Transport): Promise<void> {
  const topic = `auth.${Math.random().toString(36).slice(2, 10)}`;
  await t.ensureTopic!({ name: topic, strategy: 'create-or-update', extra: { storage: 'memory' } });
  const received: unknown[] = [];
  const handle = await t.consume(
    { topic, group: 'g', prefetch: 10, startFrom: 'earliest', maxDeliveries: 5, ackTimeoutMs: 30_000 },
    (ms) => {
      for (const m of ms) {
        received.push(m);
        m.ack();
      }
    },
  );
  const [outcome] = await t.send([message(topic, 1)]);
  expect(outcome?.ok).toBe(true);
  await waitFor('the event', () => received.length === 1);
  await handle.stop();
}

describe.skipIf(secure.url === undefined)('the secured server (TLS and user/password)', () => {
  it('publishes and consumes over TLS with the right credentials', async () => {
    const { transport: t } = transport({
      servers: secure.url!,
      user: secure.user!,
      password: secure.password!,
      tls: { caFile: secure.caFile! },
    });
    await roundTrip(t);
    expect((await t.health()).state).toBe('connected');
  });

  it('fails with AUTHENTICATION_FAILED on a wrong password, and never repeats it', async () => {
    const wrong = 'not-the-password-7f3a';
    const { transport: t, logged } = transport({
      servers: secure.url!,
      user: secure.user!,
      password: wrong,
      tls: { caFile: secure.caFile! },
    });
    const error = await connectError(t);
    expect(isEventBusError(error, 'AUTHENTICATION_FAILED')).toBe(true);
    expect(error.retriable).toBe(false);
    const seen = [
      error.message,
      String(error.cause),
      JSON.stringify(error.details),
      JSON.stringify(await t.health()),
      ...logged,
    ];
    expect(seen.join('\n')).not.toContain(wrong);
  });

  it('backs off after a wrong password instead of opening a connection per emit', async () => {
    // infra's monitoring port is the client port + 4000 (4242 -> 8242).
    const url = new URL(secure.url!.replace(/^tls:/, 'http:'));
    const varz = `http://${url.hostname}:${Number(url.port) + 4000}/varz`;
    const connections = async () =>
      ((await (await fetch(varz)).json()) as { total_connections: number }).total_connections;
    const before = await connections();
    const errors: Error[] = [];
    const { transport: t } = transport({
      servers: secure.url!,
      user: secure.user!,
      password: 'wrong-password-1b2c',
      tls: { caFile: secure.caFile! },
    });
    const bus = createEventBus({ source: 'emitter', transport: t, onError: (e) => errors.push(e) });
    const started = Date.now();
    while (Date.now() - started < 2_500) {
      bus.emit('auth.backoff', { type: 'tick', data: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const opened = (await connections()) - before;
    // Connects at 0 s, 1 s and 3 s at most (doubling from 1 s), not one per emit (~250).
    expect(opened).toBeLessThanOrEqual(3);
    expect(errors.length).toBeGreaterThan(100);
    expect(errors.every((e) => isEventBusError(e, 'AUTHENTICATION_FAILED'))).toBe(true);
    expect(errors.at(-1)!.message).toMatch(/backing off after \d failed connect/);
    const health = await bus.health();
    expect(health.transport.details).toMatchObject({
      connectBackoff: { failedConnects: expect.any(Number) },
    });
    await bus.close();
  });

  it('fails with AUTHENTICATION_FAILED without credentials', async () => {
    const { transport: t } = transport({ servers: secure.url!, tls: { caFile: secure.caFile! } });
    expect(isEventBusError(await connectError(t), 'AUTHENTICATION_FAILED')).toBe(true);
  });

  it('fails to connect when the server certificate is not trusted', async () => {
    const { transport: t } = transport({
      servers: secure.url!,
      user: secure.user!,
      password: secure.password!,
    });
    const error = await connectError(t);
    expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
  });

  it('keeps credentials written into the URL out of errors and health', async () => {
    const url = secure.url!.replace('://', `://${secure.user}:wrong-in-url-91c2@`);
    const { transport: t } = transport({ servers: url, tls: { caFile: secure.caFile! } });
    const error = await connectError(t);
    expect(`${error.message}\n${JSON.stringify(await t.health())}`).not.toContain('wrong-in-url-91c2');
  });
});

const bin = SERVER_BINARIES[0]?.bin;

describe.skipIf(bin === undefined)('token authentication', () => {
  let server: PrivateNatsServer;
  beforeAll(async () => {
    server = await PrivateNatsServer.start(bin!, { args: ['--auth', 'token-0b5e'] });
  });
  afterAll(() => server?.stop());

  it('connects with the token and refuses another one', async () => {
    await roundTrip(transport({ servers: server.url, token: 'token-0b5e' }).transport);
    const { transport: t, logged } = transport({ servers: server.url, token: 'bad-token-55d1' });
    const error = await connectError(t);
    expect(isEventBusError(error, 'AUTHENTICATION_FAILED')).toBe(true);
    expect([error.message, ...logged].join('\n')).not.toContain('bad-token-55d1');
  });
});

describe.skipIf(bin === undefined)('nkey authentication', () => {
  const user = nkeys.createUser();
  const seed = new TextDecoder().decode(user.getSeed());
  let server: PrivateNatsServer;
  beforeAll(async () => {
    server = await PrivateNatsServer.start(bin!, {
      config: `authorization { users: [ { nkey: "${user.getPublicKey()}" } ] }\n`,
    });
  });
  afterAll(() => server?.stop());

  it('connects with the nkey seed and refuses an unknown key', async () => {
    await roundTrip(transport({ servers: server.url, nkeySeed: seed, logger: quiet }).transport);
    const stranger = new TextDecoder().decode(nkeys.createUser().getSeed());
    const { transport: t } = transport({ servers: server.url, nkeySeed: stranger });
    const error = await connectError(t);
    expect(isEventBusError(error, 'AUTHENTICATION_FAILED')).toBe(true);
    expect(error.message).not.toContain(stranger);
  });
});
