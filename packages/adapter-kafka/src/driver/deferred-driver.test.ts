import { describe, expect, it } from 'vitest';
import { DeferredDriver } from './deferred-driver.ts';
import type { KafkaDriver } from './driver.ts';

const INFO = { driver: 'kafkajs', clientVersion: '2.2.4', patches: 'not loaded yet' } as const;

function connectingDriver(): KafkaDriver {
  return {
    info: { driver: 'kafkajs', clientVersion: '2.2.4', patches: { encoder: 'full' } },
    connect: async () => {},
    onConnectionEvent: () => {},
  } as unknown as KafkaDriver;
}

describe('DeferredDriver', () => {
  it('reports its own info until the driver is loaded, then the driver’s', async () => {
    const deferred = new DeferredDriver(INFO, async () => () => connectingDriver(), 'hint');
    expect(deferred.info).toEqual(INFO);
    await deferred.connect();
    expect(deferred.info).toMatchObject({ patches: { encoder: 'full' } });
  });

  it('rejects a failed import with UNSUPPORTED and the hint, and imports again on the next call', async () => {
    let imports = 0;
    const deferred = new DeferredDriver(
      INFO,
      async () => {
        if (++imports === 1) throw new Error('Cannot find module lz4-napi');
        return () => connectingDriver();
      },
      'Reinstall it.',
    );
    await expect(deferred.connect()).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringMatching(/kafkajs Kafka driver could not be loaded .*lz4-napi.*Reinstall it\./),
    });
    await expect(deferred.connect()).resolves.toBeUndefined();
    expect(imports).toBe(2);
  });

  it('passes on an error making the driver as it is, not as a failed import', async () => {
    const invalid = new TypeError('bad option');
    const deferred = new DeferredDriver(
      INFO,
      async () => () => {
        throw invalid;
      },
      'Reinstall it.',
    );
    await expect(deferred.connect()).rejects.toBe(invalid);
  });
});
