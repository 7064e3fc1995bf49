import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ORDERS_DIR = join(HERE, '..', '..');
const PROBE = join(HERE, 'trace-probe.ts');

export type ProbeLine = { readonly event: string } & Record<string, unknown>;

/** `node --conditions=@switchyard/source trace-probe.ts ROLE` as a child process, with its JSON lines collected as they come. */
export class ProbeProcess {
  readonly lines: ProbeLine[] = [];
  readonly #child: ChildProcess;
  readonly #exit: Promise<number | null>;
  #stderr = '';
  readonly #waiters = new Set<() => void>();

  constructor(role: 'producer' | 'consumer' | 'both', env: Readonly<Record<string, string | undefined>>) {
    // The working directory is the demo's, so SWITCHYARD_TRANSPORT finds the adapters it depends on.
    // --conditions: the probe imports @switchyard/* from their sources, as the workspace's tests do.
    this.#child = spawn(process.execPath, ['--conditions=@switchyard/source', PROBE, role], {
      cwd: ORDERS_DIR,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.#child.stdout! }).on('line', (text) => {
      try {
        this.lines.push(JSON.parse(text) as ProbeLine);
      } catch {
        this.#stderr += `${text}\n`; // a stray log line
      }
      for (const wake of this.#waiters) wake();
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    this.#exit = new Promise((resolve) => {
      this.#child.once('exit', (code) => {
        resolve(code);
        for (const wake of this.#waiters) wake();
      });
    });
  }

  /** Resolves with the first line whose `event` is `event`; rejects on an `error` line, an exit without it, or after `timeoutMs`. */
  waitFor(event: string, timeoutMs: number): Promise<ProbeLine> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(new Error(`no "${event}" within ${timeoutMs} ms`)), timeoutMs);
      const settle = (error?: Error, line?: ProbeLine) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        if (error) reject(new Error(`${error.message}\n${this.describe()}`));
        else resolve(line!);
      };
      const check = () => {
        const found = this.lines.find((l) => l.event === event);
        if (found) return settle(undefined, found);
        const failed = this.lines.find((l) => l.event === 'error');
        if (failed) return settle(new Error(`the probe failed: ${String(failed.message)}`));
        if (this.#child.exitCode !== null)
          settle(new Error(`the probe exited (${this.#child.exitCode}) before "${event}"`));
      };
      this.#waiters.add(check);
      check();
    });
  }

  exited(): Promise<number | null> {
    return this.#exit;
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  describe(): string {
    return `lines: ${JSON.stringify(this.lines)}\nstderr: ${this.#stderr.slice(-4_000)}`;
  }
}
