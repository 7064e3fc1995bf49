import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endProcess, freePort, startServerProcess } from '@switchyard/infra/test-server';

/**
 * A nats-server of its own for tests that stop and restart the server (which a shared broker
 * must not suffer). Listens on a free loopback port with JetStream in a temporary store; keeps
 * port and store across restarts, as a real restart would.
 */
export class PrivateNatsServer {
  readonly bin: string;
  readonly port: number;
  readonly storeDir: string;
  readonly #args: readonly string[];
  #process: ChildProcess | undefined;

  private constructor(bin: string, port: number, storeDir: string, args: readonly string[]) {
    this.bin = bin;
    this.port = port;
    this.storeDir = storeDir;
    this.#args = args;
  }

  /** `config` is the text of a server config file (authorization blocks and the like). */
  static async start(
    bin: string,
    options: { args?: readonly string[]; config?: string } = {},
  ): Promise<PrivateNatsServer> {
    const storeDir = await mkdtemp(join(tmpdir(), 'switchyard-nats-'));
    const args = [...(options.args ?? [])];
    if (options.config !== undefined) {
      const file = join(storeDir, 'nats.conf');
      await writeFile(file, options.config);
      args.push('-c', file);
    }
    const server = new PrivateNatsServer(bin, await freePort(), storeDir, args);
    await server.start();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#process = await startServerProcess(
      'nats-server',
      this.bin,
      ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir, ...this.#args],
      /Server is ready/,
    );
  }

  /** Ends the server process; SIGKILL is a crash, SIGTERM a clean shutdown. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    await endProcess(child, signal);
  }

  /** SIGSTOP: the server hangs with its connections open (a frozen host, a partition without resets). */
  pause(): void {
    this.#process?.kill('SIGSTOP');
  }

  /** SIGCONT. */
  resume(): void {
    this.#process?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.resume(); // a stopped process would not see the SIGTERM
    await this.kill('SIGTERM');
    await rm(this.storeDir, { recursive: true, force: true });
  }
}
