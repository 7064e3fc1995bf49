import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endProcess, freePort, startServerProcess } from '@switchyard/infra/test-server';

/** redis-server on PATH (Debian's redis-server package), or REDIS_SERVER_BIN. */
export const REDIS_SERVER_BIN: string | undefined =
  process.env.REDIS_SERVER_BIN ??
  (process.env.PATH ?? '')
    .split(':')
    .map((dir) => join(dir, 'redis-server'))
    .find((file) => existsSync(file));

/**
 * A redis-server of its own for tests that crash and restart the server (which the shared one must
 * not suffer). Listens on a free loopback port with its data in a temporary directory; keeps port
 * and directory across restarts, as a real restart would. `args` are extra config directives,
 * e.g. `['--appendonly', 'yes']`.
 */
export class PrivateRedisServer {
  readonly port: number;
  readonly dir: string;
  readonly #args: readonly string[];
  #process: ChildProcess | undefined;

  private constructor(port: number, dir: string, args: readonly string[]) {
    this.port = port;
    this.dir = dir;
    this.#args = args;
  }

  static async start(args: readonly string[] = []): Promise<PrivateRedisServer> {
    if (REDIS_SERVER_BIN === undefined)
      throw new Error('no redis-server binary (apt-get install redis-server)');
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-redis-'));
    const server = new PrivateRedisServer(await freePort(), dir, args);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#process = await startServerProcess(
      'redis-server',
      REDIS_SERVER_BIN!,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', ...this.#args],
      /Ready to accept connections/,
    );
  }

  /** Ends the server process; SIGKILL is a crash, SIGTERM a clean shutdown (which flushes the AOF). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    await endProcess(child, signal);
  }

  /** SIGSTOP: the server hangs with its connections open (a frozen host, a partition without resets). */
  pause(): void {
    this.#process?.kill('SIGSTOP');
  }

  resume(): void {
    this.#process?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.resume(); // a stopped process would not see the SIGTERM
    await this.kill('SIGTERM');
    await rm(this.dir, { recursive: true, force: true });
  }
}
