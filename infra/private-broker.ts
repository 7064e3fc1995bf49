/**
 * A broker of a test's own, for tests that crash, pause or restart it (which the shared brokers of
 * `infra/up` must never suffer): `@switchyard/infra/private-broker`.
 *
 * ```ts
 * const broker = await PrivateBroker.start('kafka'); // infra/up kafka on free ports, own state dir
 * broker.env.KAFKA_BROKERS;                           // '127.0.0.1:17092'
 * await broker.kill();                                // SIGKILL; the data stays
 * await broker.start();                               // back on its data, once it answers
 * await broker.pause(); await broker.resume();        // SIGSTOP / SIGCONT
 * await broker.close();                               // infra/down, state dir removed
 * ```
 *
 * It runs the real `infra/up`, `infra/service` and `infra/down` with `INFRA_PORT_OFFSET` (a free
 * offset, chosen at random) and `INFRA_STATE_DIR` (a temporary directory), so the broker is the one
 * every other test uses, configured the same, only elsewhere. A broker left running when the
 * process exits without `close()` is stopped then.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEnvFile } from './env.ts';

/** The services `infra/service` can crash, pause and restart. */
export type PrivateService =
  | 'kafka'
  | 'kafka-secure'
  | 'nats'
  | 'nats-latest'
  | 'nats-secure'
  | 'redis'
  | 'redis-secure';

export interface PrivateBrokerOptions {
  /** Extra `INFRA_*` settings for `infra/up`, e.g. `{ INFRA_REDIS_APPENDONLY: 'yes' }`. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Longest `infra/up` (and a `start`) may take, in ms. @default 180000 */
  readonly timeoutMs?: number;
}

const INFRA_DIR = fileURLToPath(new URL('.', import.meta.url));
const live = new Set<PrivateBroker>();
let exitHookInstalled = false;

export class PrivateBroker {
  readonly service: PrivateService;
  readonly stateDir: string;
  readonly portOffset: number;
  /** The variables `infra/up` wrote for it (e.g. `KAFKA_BROKERS`, `NATS_URL`), read when it started. */
  readonly env: Readonly<Record<string, string>>;
  readonly #settings: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;

  private constructor(
    service: PrivateService,
    stateDir: string,
    portOffset: number,
    options: PrivateBrokerOptions,
  ) {
    this.service = service;
    this.stateDir = stateDir;
    this.portOffset = portOffset;
    this.#settings = options.settings ?? {};
    this.#timeoutMs = options.timeoutMs ?? 180_000;
    this.env = Object.fromEntries(readEnvFile(join(stateDir, 'env')));
  }

  /**
   * Starts `service` with `infra/up` on a random free port offset (7000–13490, so every port stays
   * below Linux's ephemeral range) and a state dir of its own; tries another offset when a port is
   * taken.
   */
  static async start(service: PrivateService, options: PrivateBrokerOptions = {}): Promise<PrivateBroker> {
    installExitHook();
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const offset = 7_000 + 10 * Math.floor(Math.random() * 650);
      const stateDir = mkdtempSync(join(tmpdir(), `switchyard-${service}-`));
      try {
        await runScript('up', [service], scriptEnv(stateDir, offset, options.settings), options.timeoutMs);
        const broker = new PrivateBroker(service, stateDir, offset, options);
        live.add(broker);
        return broker;
      } catch (error) {
        lastError = error;
        await runScript('down', [service], scriptEnv(stateDir, offset, options.settings)).catch(() => {});
        rmSync(stateDir, { recursive: true, force: true });
        if (!/already taken/.test(String(error))) throw error;
      }
    }
    throw lastError;
  }

  /** SIGKILL (a crash): resolves once the process is gone. Its data stays for `start()`. */
  kill(): Promise<void> {
    return this.#service('kill');
  }

  /** SIGTERM (a clean shutdown); the data stays. */
  stop(): Promise<void> {
    return this.#service('stop');
  }

  /** Starts it again on its data; resolves once it answers (infra/up's probe). */
  start(): Promise<void> {
    return this.#service('start');
  }

  /** SIGSTOP: the broker hangs with its connections open. */
  pause(): Promise<void> {
    return this.#service('pause');
  }

  /** SIGCONT. */
  resume(): Promise<void> {
    return this.#service('resume');
  }

  /** The broker's process id while it runs (from infra's pid file). */
  pid(): number | undefined {
    const node = this.service.startsWith('kafka') ? 'broker' : 'server';
    try {
      const [pid] = readFileSync(join(this.stateDir, this.service, 'pids', `${node}.pid`), 'utf8').split(' ');
      return Number(pid) || undefined;
    } catch {
      return undefined;
    }
  }

  /** `infra/down` (a paused broker too), then removes the state dir. */
  async close(): Promise<void> {
    if (!live.delete(this)) return;
    await runScript('down', [this.service], this.#env());
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  #service(command: string): Promise<void> {
    return runScript('service', [command, this.service], this.#env(), this.#timeoutMs).then(() => {});
  }

  #env(): NodeJS.ProcessEnv {
    return scriptEnv(this.stateDir, this.portOffset, this.#settings);
  }
}

function scriptEnv(
  stateDir: string,
  offset: number,
  settings: Readonly<Record<string, string>> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...settings,
    INFRA_PORT_OFFSET: String(offset),
    INFRA_STATE_DIR: stateDir,
  };
}

function runScript(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 180_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(join(INFRA_DIR, script), args, { env, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`infra/${script} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

/** A test process that ends without `close()` (a failed hook, Ctrl-C) still stops its brokers. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const broker of live) {
      spawnSync(join(INFRA_DIR, 'down'), [broker.service], {
        env: scriptEnv(broker.stateDir, broker.portOffset),
        stdio: 'ignore',
        timeout: 40_000,
      });
      rmSync(broker.stateDir, { recursive: true, force: true });
    }
  });
}
