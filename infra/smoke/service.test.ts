import { existsSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { requireBroker } from '../env.ts';
import { PrivateBroker } from '../private-broker.ts';
import { uniqueName } from './helpers.ts';

// infra/service (kill, start, pause, resume) through PrivateBroker, on brokers of this test's own:
// the shared ones must never be paused or killed. A shared broker being up says its server is
// installed here (infra/up installs it); without one the test skips locally and fails in CI.
const redisInstalled = requireBroker('REDIS_URL', 'redis');
const natsInstalled = requireBroker('NATS_URL', 'nats');

const quickRedis = (url: string) =>
  new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    commandTimeout: 1_000,
  }).on('error', () => {}); // failures surface through the awaited commands

describe.skipIf(!redisInstalled)('infra/service on a private redis with the append-only file', () => {
  let broker: PrivateBroker | undefined;
  afterAll(() => broker?.close(), 60_000);

  it('keeps the data across kill and start, and answers nothing while paused', async () => {
    broker = await PrivateBroker.start('redis', { settings: { INFRA_REDIS_APPENDONLY: 'yes' } });
    const url = broker.env.REDIS_URL!;
    expect(url).not.toBe(requireBroker('REDIS_URL', 'redis')); // not the shared one
    const key = uniqueName('kept');
    const before = quickRedis(url);
    await before.connect();
    await before.set(key, 'survives');
    before.disconnect();

    const pid = broker.pid();
    await broker.kill();
    await broker.start();
    expect(broker.pid()).not.toBe(pid);
    const after = quickRedis(url);
    await after.connect();
    expect(await after.get(key)).toBe('survives');

    await broker.pause();
    await expect(after.ping()).rejects.toThrow(/timed out/i);
    await broker.resume();
    const again = quickRedis(url);
    await again.connect();
    expect(await again.ping()).toBe('PONG');
    again.disconnect();
    after.disconnect();

    const stateDir = broker.stateDir;
    await broker.close();
    await expect(quickRedis(url).connect()).rejects.toThrow();
    expect(existsSync(stateDir)).toBe(false);
  }, 60_000);
});

describe.skipIf(!natsInstalled)('infra/service on a private nats-server', () => {
  let broker: PrivateBroker | undefined;
  afterAll(() => broker?.close(), 60_000);

  it('keeps JetStream streams across stop and start, and is stopped by close while paused', async () => {
    broker = await PrivateBroker.start('nats');
    const servers = broker.env.NATS_URL!;
    const name = uniqueName('KEPT').replaceAll('-', '_');
    const nc = await connect({ servers, maxReconnectAttempts: 0 });
    await (await jetstreamManager(nc)).streams.add({ name, subjects: [`${name}.>`] });
    await nc.close();

    await broker.stop();
    await broker.start();
    const back = await connect({ servers, maxReconnectAttempts: 0 });
    const info = await (await jetstreamManager(back)).streams.info(name);
    expect(info.config.name).toBe(name);
    await back.close();

    await broker.pause();
    await expect(connect({ servers, timeout: 1_000, maxReconnectAttempts: 0 })).rejects.toThrow();
    const started = Date.now();
    await broker.close(); // infra/down wakes a paused server so that it can act on TERM
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);
});
