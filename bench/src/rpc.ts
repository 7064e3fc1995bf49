import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_DIR } from './env.ts';

/** Parent → worker: run a command. Worker → parent: its reply, or a progress line. */
export type ParentMessage = { readonly id: number; readonly command: string; readonly args: unknown };
export type WorkerMessage =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: string }
  | { readonly type: 'log'; readonly text: string };

const WORKER = join(BENCH_DIR, 'src', 'worker.ts');

/**
 * A benchmark worker: a separate Node process holding one subject's producer and/or consumer,
 * driven by commands over IPC. Every call is bounded by a timeout; a worker that dies rejects
 * its pending calls instead of hanging the run.
 */
export class Worker {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #exited: string | undefined;
  readonly #stderr: string[] = [];

  constructor(name: string, env: Record<string, string>, log: (line: string) => void) {
    this.name = name;
    this.#child = fork(WORKER, [name], {
      // The worker imports @switchyard/* from their sources (the workspace's export condition),
      // also when the parent is a Vitest worker whose execArgv says nothing of it.
      execArgv: [...process.execArgv, '--conditions=@switchyard/source'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => {
      this.#stderr.push(chunk);
      if (this.#stderr.length > 50) this.#stderr.shift();
    });
    this.#child.on('message', (message: WorkerMessage) => {
      if (message.type === 'log') {
        log(`  [${name}] ${message.text}`);
        return;
      }
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.ok) pending.resolve(message.value);
      else pending.reject(new Error(message.error));
    });
    this.#child.on('exit', (code, signal) => {
      this.#exited = `worker ${name} exited (code ${code}, signal ${signal})${this.#stderrTail()}`;
      for (const p of this.#pending.values()) p.reject(new Error(this.#exited));
      this.#pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  call<T>(command: string, args: unknown, timeoutMs: number): Promise<T> {
    if (this.#exited !== undefined) return Promise.reject(new Error(this.#exited));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: ${command} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#child.send({ id, command, args } satisfies ParentMessage);
    });
  }

  /** Asks the worker to close its clients and exit; kills it if it does not within the deadline. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.#exited !== undefined) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    await this.call('close', {}, timeoutMs).catch(() => undefined);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3_000);
    this.#child.disconnect?.();
    await exited;
    clearTimeout(timer);
  }

  #stderrTail(): string {
    const tail = this.#stderr.join('').trim().split('\n').slice(-8).join('\n');
    return tail === '' ? '' : `:\n${tail}`;
  }
}
