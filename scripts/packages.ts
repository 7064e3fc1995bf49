// The public packages of this workspace and their packed tarballs: shared by the packaging lint
// (scripts/lint-packages.ts) and the install test (tests/install).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT: string = fileURLToPath(new URL('..', import.meta.url));

export interface PublicPackage {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the package directory. */
  readonly dir: string;
}

export interface PackedPackage extends PublicPackage {
  /** Absolute path of the .tgz. */
  readonly tarball: string;
  /** Size of the .tgz in bytes. */
  readonly size: number;
  /** Paths inside the tarball, relative to the package root (`dist/index.js`, `package.json`, …). */
  readonly files: readonly string[];
  /** The package.json that is in the tarball. */
  readonly manifest: Record<string, unknown>;
}

/** Every `packages/*` whose package.json is not `"private": true`, in directory order. */
export function publicPackages(): PublicPackage[] {
  const root = join(REPO_ROOT, 'packages');
  const found: PublicPackage[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    let manifest: { name: string; version: string; private?: boolean };
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue; // not a package
    }
    if (manifest.private === true) continue;
    found.push({ name: manifest.name, version: manifest.version, dir });
  }
  return found;
}

/**
 * `pnpm pack` of one package into `destination` (pnpm replaces `workspace:` ranges and applies the
 * beforePacking hook in .pnpmfile.mjs; the package's prepack copies LICENSE). The package must be
 * built.
 */
export function pack(pkg: PublicPackage, destination: string): PackedPackage {
  const out = execFileSync('pnpm', ['pack', '--json', '--pack-destination', destination], {
    cwd: pkg.dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  const tarball = (JSON.parse(out.slice(out.indexOf('{'))) as { filename: string }).filename;
  // What is in the tarball, read from the tarball itself.
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.replace(/^package\//, ''));
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
  ) as Record<string, unknown>;
  return { ...pkg, tarball, size: statSync(tarball).size, files, manifest };
}

/** What must not be in a published tarball: tests, test support, sources, workspace ranges. */
export function tarballProblems(packed: PackedPackage): string[] {
  const problems: string[] = [];
  for (const file of packed.files) {
    if (/\.test\.[cm]?[jt]s/.test(file)) problems.push(`ships a test file: ${file}`);
    else if (/(^|\/)test-(support\/|[^/]*\.[cm]?[jt]s)/.test(file))
      problems.push(`ships test support: ${file}`);
    else if (file.startsWith('src/')) problems.push(`ships a source file: ${file}`);
  }
  for (const required of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
    if (!packed.files.includes(required)) problems.push(`lacks ${required}`);
  }
  const text = JSON.stringify(packed.manifest);
  if (text.includes('workspace:')) problems.push('its package.json still has a workspace: range');
  if (text.includes('@switchyard/source'))
    problems.push('its exports still name the @switchyard/source condition');
  return problems;
}

/** `12.3 kB` */
export function kilobytes(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`;
}
