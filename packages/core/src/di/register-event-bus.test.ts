import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type DependencyContainer, container as root } from 'tsyringe';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventBus } from '../types.ts';
import { EVENT_BUS, registerEventBus, TRANSPORT } from './index.ts';

/** An application service that only knows the token, never the broker. */
class OrderService {
  readonly #bus: EventBus;
  constructor(bus: EventBus) {
    this.#bus = bus;
  }
  place(id: string) {
    return this.#bus.publish('orders', { type: 'order.placed', data: { id }, key: id });
  }
}

const run = promisify(execFile);

describe('registerEventBus', () => {
  const child = (): DependencyContainer => root.createChildContainer();

  it('registers a bus chosen by the environment and resolves it through a factory', async () => {
    const c = child();
    await registerEventBus(c, { env: { SWITCHYARD_TRANSPORT: 'memory', SWITCHYARD_SOURCE: 'orders-svc' } });
    c.register(OrderService, { useFactory: (d) => new OrderService(d.resolve(EVENT_BUS)) });
    const bus = c.resolve(EVENT_BUS);
    expect(c.resolve(TRANSPORT).name).toBe('memory');
    const seen: string[] = [];
    await bus.subscribe('orders', (e) => {
      seen.push((e.data as { id: string }).id);
    });
    await c.resolve(OrderService).place('o-9');
    await expect.poll(() => seen).toEqual(['o-9']);
    expect(bus.source).toBe('orders-svc');
    await bus.close();
  });

  it('names the missing package when an adapter is not installed', async () => {
    // Inside this workspace every adapter resolves (pnpm's NODE_PATH, Vite), so the check runs in a
    // plain Node process whose working directory, like an application's, lacks the adapter.
    const loader = fileURLToPath(new URL('./load-transport.ts', import.meta.url));
    const script = `import { loadTransport } from ${JSON.stringify(pathToFileURL(loader).href)};
      loadTransport('redis', {}).then(() => console.log('loaded'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '' }, // not the test's: pnpm's NODE_PATH reaches every workspace package
    });
    const error = JSON.parse(stdout) as { code: string; message: string };
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toMatch(/@switchyard\/adapter-redis/);
  });

  describe('says when the environment does not mean what it seems to', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });
    const warnings = () => {
      const said: string[] = [];
      vi.spyOn(process, 'emitWarning').mockImplementation((message: string | Error) => {
        said.push(String(message));
      });
      return said;
    };

    it('warns that the bus stays in memory when a broker is configured but SWITCHYARD_TRANSPORT is not', async () => {
      const said = warnings();
      const bus = await registerEventBus(child(), {
        env: { SWITCHYARD_SOURCE: 'orders-svc', KAFKA_BROKERS: '10.0.0.7:9092' },
      });
      await bus.close();
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/SWITCHYARD_TRANSPORT is not set/);
      expect(said[0]).toMatch(/in-memory/);
      expect(said[0]).toMatch(/KAFKA_BROKERS is set: to use Kafka, set SWITCHYARD_TRANSPORT=kafka/);
    });

    it('names a misspelt SWITCHYARD_TRANSPORT', async () => {
      const said = warnings();
      const bus = await registerEventBus(child(), {
        env: { SWITCHYARD_SOURCE: 'orders-svc', SWITCHYARD_TRANSPROT: 'nats' },
      });
      await bus.close();
      expect(said.join('\n')).toMatch(/SWITCHYARD_TRANSPROT is set, .* did you mean SWITCHYARD_TRANSPORT\?/);
    });

    it('is quiet for the in-memory transport chosen on purpose, or with no broker in sight', async () => {
      const said = warnings();
      for (const env of [
        { SWITCHYARD_SOURCE: 'a', SWITCHYARD_TRANSPORT: 'memory', NATS_URL: 'nats://10.0.0.7:4222' },
        { SWITCHYARD_SOURCE: 'a' },
      ]) {
        await (await registerEventBus(child(), { env })).close();
      }
      expect(said).toEqual([]);
    });
  });

  it('rejects an unknown transport name', async () => {
    const error = await registerEventBus(child(), { source: 's', transport: 'rabbit' }).catch((e) => e);
    expect(error.message).toMatch(/Unknown transport "rabbit"/);
  });
});
