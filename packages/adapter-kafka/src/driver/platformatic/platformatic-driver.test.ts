import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resolveKafkaOptions } from '../../options/resolve.ts';
import { createPlatformaticDriver } from './platformatic-driver.ts';

const run = promisify(execFile);

describe('platformatic driver', () => {
  it('stops a connect that a disconnect overtook, and opens no client after it', async () => {
    const options = resolveKafkaOptions({
      brokers: ['127.0.0.1:1'],
      driver: 'platformatic',
      connectTimeoutMs: 1000,
      retry: { retries: 8, initialRetryTimeMs: 2000, maxRetryTimeMs: 2000 },
    });
    const driver = createPlatformaticDriver(options, () => {});
    const connecting = driver.connect().catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the first attempt failed: sleeping
    const started = Date.now();
    await driver.disconnect();
    expect(await connecting).toMatchObject({ code: 'CLOSED' });
    expect(Date.now() - started).toBeLessThan(1000); // not after the 2 s back-off
    // lag() after close, say: no new admin client
    await expect(driver.topicOffsets('orders')).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(driver.brokerCount()).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

describe('loading the platformatic driver', () => {
  it('loads @platformatic/kafka only for transports that use it', async () => {
    // A Node where @platformatic/kafka cannot load (older than it needs): kafkajs users are unaffected,
    // and a platformatic transport says why it cannot connect.
    const script = `
      import { registerHooks } from 'node:module';
      registerHooks({
        load(url, context, next) {
          if (url.includes('/@platformatic/kafka/')) throw new Error('@platformatic/kafka needs a newer Node');
          return next(url, context);
        },
      });
      const { kafka } = await import(${JSON.stringify(fileURLToPath(new URL('../../index.ts', import.meta.url)))});
      kafka({ brokers: ['127.0.0.1:1'] });
      const transport = kafka({ brokers: ['127.0.0.1:1'], driver: 'platformatic' });
      const health = transport.health();
      const error = await transport.connect().catch((e) => e);
      console.log(JSON.stringify({ driver: health.details.driver, code: error.code, message: error.message }));
    `;
    const { stdout } = await run(
      process.execPath,
      ['--conditions=@switchyard/source', '--no-warnings', '--input-type=module', '-e', script],
      { timeout: 30_000 },
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, string>;
    expect(result.driver).toBe('platformatic');
    expect(result.code).toBe('UNSUPPORTED');
    expect(result.message).toMatch(/could not be loaded on Node .*README/);
  });
});
