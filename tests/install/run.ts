import { execFile } from 'node:child_process';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** The process is killed after this long and the run fails. */
  readonly timeoutMs: number;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs a command to completion. Rejects when it exits non-zero or outlives `timeoutMs`, with the
 * command line and everything it printed in the message.
 */
export function run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const ms = Date.now() - started;
        if (error === null) return resolve({ stdout, stderr, ms });
        const how = error.killed ? `was killed after ${options.timeoutMs} ms` : `exited with ${error.code}`;
        reject(
          new Error(
            `\`${[file, ...args].join(' ')}\` ${how} (in ${options.cwd ?? process.cwd()})\n--- stdout\n${stdout}--- stderr\n${stderr}`,
          ),
        );
      },
    );
  });
}
