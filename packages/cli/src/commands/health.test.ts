import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonError, runCli, testBrokers, UNREACHABLE_BROKERS } from '../test-support/run-cli.ts';

describe.each(testBrokers())('switchyard health on $name', ({ name, env }) => {
  it('connects and prints the transport health, exit 0', async () => {
    const result = await runCli(['health'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^ok {2}${name} at \\S+: connected`));
    const json = JSON.parse((await runCli(['health', '--json'], { env })).stdout);
    expect(json).toMatchObject({ ok: true, transport: { name, state: 'connected' } });
    if (name === 'kafka')
      expect(json.cluster).toMatchObject({ clusterId: expect.any(String), brokers: expect.any(Array) });
    else if (name === 'nats')
      expect(json.cluster).toMatchObject({ version: expect.any(String), jetstream: true });
    else expect(json.cluster).toMatchObject({ version: expect.stringMatching(/^\d+\./), mode: 'standalone' });
  });
});

describe('switchyard health without a broker', () => {
  it.each(UNREACHABLE_BROKERS)(
    'exits 4 on %s, with the error as JSON on stderr under --json',
    async (_name, env) => {
      const result = await runCli(['health', '--json'], { env });
      expect(result.code).toBe(4);
      expect(jsonError(result)).toMatchObject({
        exitCode: 4,
        code: 'CONNECTION_FAILED',
        message: expect.stringContaining('127.0.0.1:1'),
      });
    },
  );
});

describe('switchyard without a broker, for a person at the terminal', () => {
  it.each(UNREACHABLE_BROKERS)(
    'says once that the %s broker cannot be reached, as its error and hint',
    async (_name, env) => {
      for (const args of [['health'], ['publish', 'orders', '--type', 't', '--data', '1', '--create']]) {
        const result = await runCli(args, { env });
        expect(result.code, result.stderr).toBe(4);
        const lines = result.stderr.trim().split('\n');
        expect(lines, `switchyard ${args.join(' ')}`).toEqual([
          expect.stringMatching(/^error: .*127\.0\.0\.1:1/),
          expect.stringMatching(/^hint: Is the broker running\?/),
        ]);
      }
    },
  );
});

describe('switchyard against a listener that closes every connection (as a TLS port does)', () => {
  let server: Server;
  let port = 0;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.each(['kafka', 'nats', 'redis'])('says so once on %s, as its error and hint', async (name) => {
    const at = `127.0.0.1:${port}`;
    const env = {
      SWITCHYARD_TRANSPORT: name,
      KAFKA_BROKERS: at,
      NATS_URL: `nats://${at}`,
      REDIS_URL: `redis://${at}`,
    };
    const result = await runCli(['health'], { env });
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^error: /),
      expect.stringMatching(/^hint: /),
    ]);
  });
});
