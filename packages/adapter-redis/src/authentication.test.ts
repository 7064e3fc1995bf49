import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { createEventBus, EventBusError, isEventBusError, type Transport } from '@switchyard/core';
import { errorOf } from '@switchyard/testkit';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { RedisTransportOptions } from './options.ts';
import { redis } from './redis.ts';
import { message, sleep, waitFor } from './test-support/fixture.ts';
import { SECURE_SERVER } from './test-support/servers.ts';

const secure = SECURE_SERVER;
const host = secure.url === undefined ? '' : new URL(secure.url).host;

const opened: Transport[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((t) => t.close()));
});

/** A transport whose log lines are kept, to prove that no secret reaches them. */
function transport(options: RedisTransportOptions): { transport: Transport; logged: string[] } {
  const logged: string[] = [];
  const t = redis({
    connectTimeoutMs: 3_000,
    ...options,
    logger: { warn: (m) => logged.push(m), error: (m) => logged.push(m) },
  });
  opened.push(t);
  return { transport: t, logged };
}

async function connectError(t: Transport): Promise<EventBusError> {
  const error = await errorOf(t.connect());
  if (!(error instanceof EventBusError))
    throw new Error(`expected connect to fail with an EventBusError, got ${String(error)}`);
  return error;
}

async function roundTrip(t: Transport): Promise<void> {
  const topic = `auth.${Math.random().toString(36).slice(2, 10)}`;
  await t.ensureTopic!({ name: topic, strategy: 'create-or-update', maxMessages: 100 });
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

describe.skipIf(secure.url === undefined)('the secured server (TLS and an ACL user)', () => {
  it('publishes and consumes over TLS with the right credentials', async () => {
    const { transport: t } = transport({
      url: `rediss://${host}`,
      username: secure.user!,
      password: secure.password!,
      tls: { caFile: secure.caFile! },
    });
    await roundTrip(t);
    expect(t.health()).toMatchObject({ state: 'connected' });
  });

  it('takes user and password from a rediss:// URL', async () => {
    const { transport: t } = transport({ url: secure.url!, tls: { caFile: secure.caFile! } });
    await roundTrip(t);
  });

  it('fails with AUTHENTICATION_FAILED on a wrong password, once, and never shows the password', async () => {
    const wrong = 'not-the-password-7f3a';
    const { transport: t, logged } = transport({
      url: `rediss://${host}`,
      username: secure.user!,
      password: wrong,
      tls: { caFile: secure.caFile! },
      reconnectWaitMs: 10,
    });
    const started = performance.now();
    const error = await connectError(t);
    expect(performance.now() - started).toBeLessThan(2_000); // at once, not after connectTimeoutMs
    expect(isEventBusError(error, 'AUTHENTICATION_FAILED')).toBe(true);
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/rejected the credentials/);
    await sleep(300);
    expect(t.health()).toMatchObject({ state: 'disconnected', details: { reconnects: 0 } });
    const seen = [
      error.message,
      String(error.cause),
      JSON.stringify(error),
      JSON.stringify(error.cause),
      inspect(error, { depth: 10 }),
      JSON.stringify(t.health()),
      JSON.stringify(t),
      inspect(t, { depth: 10, showHidden: true }),
      ...logged,
    ];
    expect(seen.join('\n')).not.toContain(wrong);
    // A publish fails the same way, again without the password.
    const publishError = await t.send([message('auth.none', 1)]).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(isEventBusError(publishError, 'AUTHENTICATION_FAILED')).toBe(true);
    expect(String(publishError?.message)).not.toContain(wrong);
  });

  it('backs off after a wrong password instead of opening a connection per emit', async () => {
    const admin = new Redis(secure.url!, { tls: { ca: readFileSync(secure.caFile!) }, lazyConnect: true });
    await admin.connect();
    const connections = async () =>
      Number(/total_connections_received:(\d+)/.exec(await admin.info('stats'))![1]);
    try {
      const before = await connections();
      const errors: Error[] = [];
      const { transport: t } = transport({
        url: `rediss://${host}`,
        username: secure.user!,
        password: 'wrong-password-1b2c',
        tls: { caFile: secure.caFile! },
      });
      const bus = createEventBus({ source: 'emitter', transport: t, onError: (e) => errors.push(e) });
      const started = Date.now();
      while (Date.now() - started < 2_500) {
        bus.emit('auth.backoff', { type: 'tick', data: Date.now() });
        await sleep(10);
      }
      const opened = (await connections()) - before;
      // Connects at 0 s, 1 s and 3 s at most (doubling from 1 s), not one per emit (~250).
      expect(opened).toBeLessThanOrEqual(3);
      expect(errors.length).toBeGreaterThan(100);
      expect(errors.every((e) => isEventBusError(e, 'AUTHENTICATION_FAILED'))).toBe(true);
      expect(errors.at(-1)!.message).toMatch(/backing off after \d failed connect/);
      await bus.close();
    } finally {
      admin.disconnect();
    }
  });

  it('fails with AUTHENTICATION_FAILED without credentials (the default user is off)', async () => {
    const { transport: t } = transport({ url: `rediss://${host}`, tls: { caFile: secure.caFile! } });
    expect(isEventBusError(await connectError(t), 'AUTHENTICATION_FAILED')).toBe(true);
  });

  it('fails to connect when the server certificate is not trusted', async () => {
    const { transport: t } = transport({
      url: `rediss://${host}`,
      username: secure.user!,
      password: secure.password!,
    });
    const error = await connectError(t);
    expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
    expect(error.message).toMatch(/TLS|certificate/);
  });

  it('keeps credentials written into the URL out of errors, health and printed objects', async () => {
    const url = `rediss://${secure.user}:wrong-in-url-91c2@${host}`;
    const { transport: t, logged } = transport({ url, tls: { caFile: secure.caFile! } });
    const error = await connectError(t);
    const seen = [error.message, JSON.stringify(t.health()), JSON.stringify(t), inspect(t), ...logged];
    expect(seen.join('\n')).not.toContain('wrong-in-url-91c2');
  });

  it('keeps the right password out of printed objects too', async () => {
    const { transport: t } = transport({ url: secure.url!, tls: { caFile: secure.caFile! } });
    await t.connect();
    const printed = [
      JSON.stringify(t),
      inspect(t, { depth: 10, showHidden: true }),
      JSON.stringify(t.health()),
    ];
    expect(printed.join('\n')).not.toContain(secure.password!);
  });
});
