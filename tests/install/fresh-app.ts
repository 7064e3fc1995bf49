// A fresh application in a temporary directory outside the workspace, with the packed tarballs
// installed by plain npm (run by the Node under test), as a stranger would install Switchyard.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeRuntime } from './node-line.ts';
import { type RunResult, run } from './run.ts';

const APP_FIXTURE = fileURLToPath(new URL('./app', import.meta.url));

/** The npm CLI script, run by the Node under test so engines checks and installs see that Node. */
function npmCli(): string {
  const fromPath = (process.env.PATH ?? '').split(':').map((dir) => join(dir, 'npm'));
  const npm = fromPath.find((file) => existsSync(file));
  if (npm === undefined) throw new Error('npm is not on PATH');
  return realpathSync(npm); // …/npm/bin/npm-cli.js
}

/**
 * The environment of a user's shell: none of the variables pnpm, turbo or Vitest set for the test
 * process (npm_config_*, VITEST, NODE_OPTIONS …), and the Node under test first on PATH.
 */
function userEnv(node: NodeRuntime, extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|turbo_|vitest)/i.test(name)) continue;
    if (['NODE_OPTIONS', 'NODE_ENV', 'TEST', 'INIT_CWD', 'NODE_PATH'].includes(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra, PATH: `${node.binDir}:${process.env.PATH ?? ''}` };
}

/** Fails unless no directory above `dir` has a node_modules or package.json Node could find. */
function assertIsolated(dir: string): void {
  for (let up = dirname(dir); ; up = dirname(up)) {
    for (const name of ['node_modules', 'package.json']) {
      if (existsSync(join(up, name)))
        throw new Error(
          `${join(up, name)} is above the app directory ${dir}: the app is not isolated (set TMPDIR)`,
        );
    }
    if (dirname(up) === up) return;
  }
}

export class FreshApp {
  readonly dir: string;
  readonly node: NodeRuntime;

  private constructor(dir: string, node: NodeRuntime) {
    this.dir = dir;
    this.node = node;
  }

  /** Copies tests/install/app into a new directory under the OS temp dir. */
  static create(node: NodeRuntime, workspaceRoot: string): FreshApp {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), `switchyard-install-node${node.line}-`)));
    if (`${dir}${sep}`.startsWith(`${realpathSync(workspaceRoot)}${sep}`) || dir.startsWith(`/work${sep}`))
      throw new Error(
        `the app directory ${dir} is inside the workspace: set TMPDIR to a directory outside it`,
      );
    assertIsolated(dir);
    cpSync(APP_FIXTURE, dir, { recursive: true });
    return new FreshApp(dir, node);
  }

  /** `npm install` with the Node under test; `specs` are tarball paths and registry specs. */
  install(specs: readonly string[]): Promise<RunResult> {
    const args = ['install', ...specs, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
    return run(this.node.bin, [npmCli(), ...args], {
      cwd: this.dir,
      env: userEnv(this.node, {}),
      timeoutMs: 600_000,
    });
  }

  /** Runs `node ARGS` in the app directory, with the Node under test. */
  exec(
    args: readonly string[],
    env: Readonly<Record<string, string>> = {},
    timeoutMs = 180_000,
  ): Promise<RunResult> {
    return run(this.node.bin, args, { cwd: this.dir, env: userEnv(this.node, env), timeoutMs });
  }

  /** A binary script of an installed package, run by the Node under test (`tsc`, `vitest`). */
  bin(pkg: string, script: string, args: readonly string[], timeoutMs = 180_000): Promise<RunResult> {
    return this.exec([join('node_modules', pkg, script), ...args], {}, timeoutMs);
  }

  /** The version npm installed of `pkg`. */
  installedVersion(pkg: string): string {
    return JSON.parse(readFileSync(join(this.dir, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  }

  /** The app's own source files (not node_modules), with their text. */
  sources(): Array<{ file: string; text: string }> {
    return readdirSync(this.dir)
      .filter((file) => /\.(m?js|ts)$/.test(file))
      .map((file) => ({ file, text: readFileSync(join(this.dir, file), 'utf8') }));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
