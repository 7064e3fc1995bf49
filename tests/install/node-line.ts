// A Node.js of a given release line, installed from the npm registry into its own prefix the way
// infra/bootstrap.sh installs Node 24 (`npm i -g --prefix DIR node@LINE`), cached under
// ~/.cache/switchyard/node-LINE and reused while it is of that line.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.ts';

export interface NodeRuntime {
  readonly line: string;
  /** `v22.21.1` */
  readonly version: string;
  /** Absolute path of the `node` binary. */
  readonly bin: string;
  /** The prefix's `bin` directory, to put first on PATH. */
  readonly binDir: string;
}

const CACHE_DIR =
  process.env.SWITCHYARD_CACHE_DIR ||
  join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'switchyard');

async function versionAt(prefix: string, line: string): Promise<string | undefined> {
  const bin = join(prefix, 'bin', 'node');
  if (!existsSync(bin)) return undefined;
  try {
    const { stdout } = await run(bin, ['--version'], { timeoutMs: 10_000 });
    const version = stdout.trim();
    return version.startsWith(`v${line}.`) ? version : undefined;
  } catch {
    return undefined; // a broken leftover: install again
  }
}

function runtime(prefix: string, line: string, version: string): NodeRuntime {
  const binDir = join(prefix, 'bin');
  return { line, version, bin: join(binDir, 'node'), binDir };
}

/** Node of `line` (e.g. '22'), installing it once; safe when two runs install at the same time. */
export async function ensureNode(line: string): Promise<NodeRuntime> {
  const prefix = join(CACHE_DIR, `node-${line}`);
  const cached = await versionAt(prefix, line);
  if (cached !== undefined) return runtime(prefix, line, cached);

  console.log(
    `[install-test] waiting for npm to install node@${line} from the npm registry into ${prefix} (once, about 10-30 s)`,
  );
  // Installed beside the final prefix and moved into place, so a run that is stopped half-way
  // leaves no prefix that looks complete.
  const staging = `${prefix}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  await run(
    'npm',
    ['i', '-g', '--prefix', staging, `node@${line}`, '--loglevel=error', '--no-audit', '--no-fund'],
    {
      timeoutMs: 600_000,
    },
  );
  if ((await versionAt(prefix, line)) === undefined) {
    rmSync(prefix, { recursive: true, force: true });
    try {
      renameSync(staging, prefix);
    } catch (error) {
      if ((await versionAt(prefix, line)) === undefined) throw error; // not another run's install
    }
  }
  rmSync(staging, { recursive: true, force: true });
  const version = await versionAt(prefix, line);
  if (version === undefined)
    throw new Error(`npm installed node@${line} into ${prefix}, but its bin/node does not run`);
  return runtime(prefix, line, version);
}
