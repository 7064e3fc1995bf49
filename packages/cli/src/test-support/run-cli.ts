import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { requireBroker } from '@switchyard/infra/env';
import { expect } from 'vitest';

const BIN = fileURLToPath(new URL('../bin.ts', import.meta.url));
/** The workspace runs the sources: @switchyard/* imports resolve to src/ under this condition. */
const NODE_ARGS = ['--conditions=@switchyard/source'];

/** One broker the CLI tests run against, with the environment that selects it. */
export interface TestBroker {
  readonly name: 'kafka' | 'nats' | 'redis';
  readonly env: Readonly<Record<string, string>>;
}

/** The brokers configured here (infra/.state/env); a missing one is skipped locally, fails in CI. */
export function testBrokers(): TestBroker[] {
  const brokers: TestBroker[] = [];
  const kafka = requireBroker('KAFKA_BROKERS', 'kafka');
  if (kafka) brokers.push({ name: 'kafka', env: { SWITCHYARD_TRANSPORT: 'kafka', KAFKA_BROKERS: kafka } });
  const nats = requireBroker('NATS_URL', 'nats');
  if (nats) brokers.push({ name: 'nats', env: { SWITCHYARD_TRANSPORT: 'nats', NATS_URL: nats } });
  const redis = requireBroker('REDIS_URL', 'redis');
  if (redis) brokers.push({ name: 'redis', env: { SWITCHYARD_TRANSPORT: 'redis', REDIS_URL: redis } });
  return brokers;
}

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(label: string): string {
  return `cli.${label}.${randomUUID().slice(0, 8)}`;
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string;
  /** @default 60000 */
  readonly timeoutMs?: number;
}

/** A child environment without the broker variables of the test process, plus `env`. */
function childEnv(env: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };
  return { ...base, ...env };
}

/** A running `switchyard`: its output so far, and its end. */
export interface RunningCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when it exits; after `timeoutMs` it is killed and this rejects with its output. */
  readonly done: Promise<CliResult>;
  /**
   * Resolves as soon as the output (stdout, stderr) satisfies `check`, tested on every chunk as it
   * arrives rather than polled, so a test can signal the process at that point; rejects if the
   * process exits first or `timeoutMs` passes.
   */
  outputReaches(
    check: (stdout: string, stderr: string) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<void>;
}

/** Starts `switchyard ...args` as a child process (the real binary, as a user runs it). */
export function startCli(args: readonly string[], options: RunOptions = {}): RunningCli {
  const child = spawn(process.execPath, [...NODE_ARGS, BIN, ...args], {
    env: childEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin!.end(options.input ?? '');
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const watch of watchers) watch();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const watch of watchers) watch();
  });
  const timeoutMs = options.timeoutMs ?? 60_000;
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `switchyard ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  const outputReaches = (check: (stdout: string, stderr: string) => boolean, ms: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      const finish = (error?: Error) => {
        watchers.delete(watch);
        clearTimeout(timer);
        child.off('close', exited);
        error ? reject(error) : resolve();
      };
      const watch = () => {
        if (check(stdout, stderr)) finish();
      };
      const exited = (code: number | null) =>
        finish(
          new Error(`switchyard exited (code ${code}) before ${what}\nstdout: ${stdout}\nstderr: ${stderr}`),
        );
      const timer = setTimeout(
        () =>
          finish(new Error(`${what} did not happen within ${ms} ms\nstdout: ${stdout}\nstderr: ${stderr}`)),
        ms,
      );
      watchers.add(watch);
      child.on('close', exited);
      watch();
    });
  return { child, stdout: () => stdout, stderr: () => stderr, done, outputReaches };
}

/** Runs `switchyard ...args` to the end; the child is killed (and the test fails) after `timeoutMs`. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Runs `switchyard ...args` and expects exit 0; a failure shows what the command printed on stderr. */
export async function runCliOk(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const result = await runCli(args, options);
  expect(result.code, `switchyard ${args.join(' ')} exited ${result.code}: ${result.stderr}`).toBe(0);
  return result;
}

/** Each transport pointed at a port nothing listens on (127.0.0.1:1): `[name, env]`. */
export const UNREACHABLE_BROKERS = [
  ['kafka', { SWITCHYARD_TRANSPORT: 'kafka', KAFKA_BROKERS: '127.0.0.1:1' }],
  ['nats', { SWITCHYARD_TRANSPORT: 'nats', NATS_URL: 'nats://127.0.0.1:1' }],
  ['redis', { SWITCHYARD_TRANSPORT: 'redis', REDIS_URL: 'redis://127.0.0.1:1' }],
] as const;

/** The `{"error": …}` object `--json` writes as the last line of stderr; stdout stays empty. */
export function jsonError(result: CliResult): Record<string, unknown> {
  expect(result.stdout).toBe('');
  const last = result.stderr.trim().split('\n').at(-1) ?? '';
  const parsed = JSON.parse(last) as { error: Record<string, unknown> };
  return parsed.error;
}

/** JSON lines (`--json` output of streaming commands); a last line still being written is left out. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}
