import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

const run = promisify(execFile);
const INFRA = join(import.meta.dirname, '../../../../infra');

/**
 * A single Kafka broker of the test's own (`infra/up kafka` with a port offset and state dir of its
 * own), for tests that freeze the broker: the shared broker on 9092 serves everybody else's tests
 * and is never signalled. `pause()`/`resume()` send SIGSTOP/SIGCONT to this broker's JVM only.
 */
export class PrivateKafka {
  readonly stateDir: string;
  private readonly env: NodeJS.ProcessEnv;
  brokers: string[] = [];

  constructor(portOffset: number, name: string) {
    this.stateDir = join(tmpdir(), name);
    this.env = { ...process.env, INFRA_PORT_OFFSET: String(portOffset), INFRA_STATE_DIR: this.stateDir };
  }

  /** Starts the broker (about 15 s) and reads its address from the state dir's env file. */
  async start(): Promise<void> {
    await run(join(INFRA, 'up'), ['kafka'], { env: this.env, timeout: 180_000 });
    const env = readFileSync(join(this.stateDir, 'env'), 'utf8');
    const brokers = /KAFKA_BROKERS=(\S+)/.exec(env)?.[1];
    if (brokers === undefined) throw new Error(`no KAFKA_BROKERS in ${this.stateDir}/env`);
    this.brokers = brokers.split(',');
  }

  pause(): void {
    process.kill(this.pid(), 'SIGSTOP');
  }

  resume(): void {
    process.kill(this.pid(), 'SIGCONT');
  }

  /** Resumes the broker if a failed test left it frozen, then stops it (`infra/down kafka`). */
  async stop(): Promise<void> {
    try {
      this.resume();
    } catch {
      // not running
    }
    await run(join(INFRA, 'down'), ['kafka'], { env: this.env, timeout: 60_000 });
  }

  /** The broker's pid, checked the way infra/down checks it: same start time, and started from this state dir. */
  private pid(): number {
    const [pid, start] = readFileSync(join(this.stateDir, 'kafka/pids/broker.pid'), 'utf8')
      .trim()
      .split(/\s+/);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (fields[19] !== start || !cmdline.includes(this.stateDir)) {
      throw new Error(`pid ${pid} is not the private broker of ${this.stateDir}`);
    }
    return Number(pid);
  }
}

/**
 * A private broker for the enclosing `describe`: started before its tests, stopped after them,
 * after `cleanup` (closing the suite's bus; its failure is ignored).
 */
export function privateKafkaForSuite(
  portOffset: number,
  name: string,
  cleanup: () => Promise<unknown> | undefined,
): PrivateKafka {
  const broker = new PrivateKafka(portOffset, name);
  beforeAll(() => broker.start(), 180_000);
  afterAll(async () => {
    await cleanup()?.catch(() => undefined);
    await broker.stop();
  }, 90_000);
  return broker;
}
