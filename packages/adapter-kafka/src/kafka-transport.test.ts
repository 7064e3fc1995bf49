import { setTimeout as sleep } from 'node:timers/promises';
import { createLog } from '@switchyard/core/transport';
import { describe, expect, it } from 'vitest';
import { DeferredDriver } from './driver/deferred-driver.ts';
import type { KafkaDriver } from './driver/driver.ts';
import { KafkaTransport } from './kafka-transport.ts';
import { resolveKafkaOptions } from './options/resolve.ts';

const INFO = { driver: 'platformatic', clientVersion: 'test' } as const;

/** A driver that connects at once: what matters here is the time before it is asked to. */
function instantDriver(): KafkaDriver {
  return {
    info: INFO,
    connect: async () => {},
    disconnect: async () => {},
    onConnectionEvent: () => {},
  } as unknown as KafkaDriver;
}

/** `driver`, handed over after `loadMs` on the first connect, as both drivers are. */
function loadedAfter(loadMs: number, driver: KafkaDriver = instantDriver()): DeferredDriver {
  return new DeferredDriver(
    INFO,
    async () => {
      await sleep(loadMs);
      return () => driver;
    },
    'no hint',
  );
}

function transportOn(driver: KafkaDriver, options: { connectTimeoutMs?: number } = {}): KafkaTransport {
  const resolved = resolveKafkaOptions({ brokers: ['127.0.0.1:1'], logLevel: 'silent', ...options });
  return new KafkaTransport(resolved, driver, createLog('kafka', undefined, 'silent'));
}

describe('KafkaTransport.connect', () => {
  // A cold process on a busy machine took 1.3 s to import @platformatic/kafka on the first connect:
  // with connectTimeoutMs 1000 it failed against a broker that answered in 100 ms (CI, stop 33).
  it('does not count loading the driver against connectTimeoutMs', async () => {
    const transport = transportOn(loadedAfter(300), { connectTimeoutMs: 100 });
    await expect(transport.connect()).resolves.toBeUndefined();
    expect(transport.health().state).toBe('connected');
    await transport.close();
  });

  it('still fails a connect that takes longer than connectTimeoutMs once the driver is loaded', async () => {
    const hanging = { ...instantDriver(), connect: () => new Promise<void>(() => {}) } as KafkaDriver;
    const transport = transportOn(hanging, { connectTimeoutMs: 50 });
    await expect(transport.connect()).rejects.toMatchObject({
      code: 'CONNECTION_FAILED',
      message: expect.stringContaining('within 50 ms (connectTimeoutMs)'),
    });
    await transport.close();
  });

  it('opens nothing when the bus closes while the driver is still loading', async () => {
    const opened: string[] = [];
    const recording = {
      ...instantDriver(),
      connect: async () => void opened.push('connect'),
      disconnect: async () => void opened.push('disconnect'),
    } as KafkaDriver;
    const transport = transportOn(loadedAfter(100, recording));
    const connecting = transport.connect();
    await transport.close();
    await expect(connecting).rejects.toMatchObject({ code: 'CLOSED' });
    expect(transport.health().state).toBe('closed');
    expect(opened.filter((step) => step === 'connect')).toEqual([]);
  });
});
