import { type ChildProcess, spawn } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FaultTally } from './tally.ts';
import type { ToParent, ToWorker, WorkerConfig } from './worker-protocol.ts';

// worker.ts beside this file in the workspace, worker.js in the published dist/.
const WORKER = fileURLToPath(new URL(`./worker${extname(import.meta.url)}`, import.meta.url));

/** A worker process of a fault case, seen from the test: its reports land in the case's tally. */
export class WorkerProcess {
  readonly label: string;
  /** Largest resident set the worker reported (its peak so far), in bytes. */
  peakRssBytes = 0;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<string>;
  readonly #child: ChildProcess;
  #output = '';
  #done: ((unsettled: number) => void) | undefined;

  private constructor(label: string, child: ChildProcess, tally: FaultTally) {
    this.label = label;
    this.#child = child;
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (message: ToParent) => {
      const at = performance.now();
      switch (message.t) {
        case 'handled':
          for (const n of message.n) tally.handle(n, at);
          break;
        case 'acked':
          for (const n of message.n) tally.ack(n, at);
          tally.noteAckGap(message.longestAckGapMs);
          tally.settled(message.longestSettleMs);
          break;
        case 'failed':
          for (const f of message.failures) tally.failLabelled(f.label, f.count, f.example);
          break;
        case 'rss':
          this.peakRssBytes = Math.max(this.peakRssBytes, message.maxRssBytes);
          break;
        case 'done':
          this.#done?.(message.unsettled);
          break;
      }
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)),
    );
  }

  /** Starts a worker and resolves once it subscribed (or started publishing); bounded by `timeoutMs`. */
  static async start(
    label: string,
    config: WorkerConfig,
    tally: FaultTally,
    timeoutMs = 60_000,
  ): Promise<WorkerProcess> {
    // In the workspace, @switchyard/* imports resolve to the sources through this condition;
    // elsewhere Node ignores it.
    const child = spawn(process.execPath, ['--conditions=@switchyard/source', WORKER], {
      env: { ...process.env, SWITCHYARD_FAULTS_WORKER: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const worker = new WorkerProcess(label, child, tally);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${label} was not ready within ${timeoutMs} ms:\n${worker.output}`));
      }, timeoutMs);
      child.on('message', (message: ToParent) => {
        if (message.t !== 'ready') return;
        clearTimeout(timer);
        resolve();
      });
      void worker.exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(`${label} ended (${how}) before it was ready:\n${worker.output}`));
      });
    });
    return worker;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The last 4,000 characters the process wrote. */
  get output(): string {
    return this.#output;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Sends `signal` (a crash by default) and resolves once the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.#child.kill(signal);
    await this.exited;
  }

  /**
   * A publishing worker stops offering events and waits up to `settleTimeoutMs` for its
   * publishes to settle; resolves with how many never did (publishes that hang).
   */
  async stopPublishing(settleTimeoutMs: number): Promise<number> {
    const done = new Promise<number>((resolve) => {
      this.#done = resolve;
    });
    this.#child.send({ t: 'stop', settleTimeoutMs } satisfies ToWorker);
    const bound = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${this.label} did not report within ${settleTimeoutMs + 15_000} ms`)),
        settleTimeoutMs + 15_000,
      ).unref(),
    );
    return Promise.race([done, bound]);
  }
}
