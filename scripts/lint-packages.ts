// Packaging lint for every public package, on the tarball a user would install (run by `pnpm check`
// after `turbo run build`): publint (--strict), Are The Types Wrong (ESM-only profile: CommonJS
// `require` of an ESM-only package is not a goal), and the tarball's content (tarballProblems).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kilobytes, pack, publicPackages, REPO_ROOT, tarballProblems } from './packages.ts';

const bin = (name: string) => join(REPO_ROOT, 'node_modules', '.bin', name);
const destination = mkdtempSync(join(tmpdir(), 'switchyard-lint-'));
let failed = 0;

function run(label: string, file: string, args: string[]): boolean {
  const result = spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  if (result.status === 0) return true;
  console.error(`  ${label} failed:\n${result.stdout}${result.stderr}`);
  return false;
}

try {
  for (const pkg of publicPackages()) {
    const packed = pack(pkg, destination);
    const problems = tarballProblems(packed);
    for (const problem of problems) console.error(`  ${pkg.name} ${problem}`);
    const publint = run('publint', bin('publint'), ['run', packed.tarball, '--strict']);
    const attw = run('attw', bin('attw'), [packed.tarball, '--profile', 'esm-only', '--format', 'ascii']);
    const ok = problems.length === 0 && publint && attw;
    if (!ok) failed++;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${pkg.name}@${pkg.version}  ${kilobytes(packed.size)} packed, ${packed.files.length} files`,
    );
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}
if (failed > 0) {
  console.error(`${failed} package(s) failed the packaging lint`);
  process.exit(1);
}
