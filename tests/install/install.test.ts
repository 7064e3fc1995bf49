// Switchyard as a stranger gets it: every public package built and packed, the tarballs installed
// with plain npm into a fresh app outside the workspace, and that app run and type-checked on each
// Node line users run (SWITCHYARD_INSTALL_NODE_LINES narrows it locally, e.g. "24").
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBroker } from '@switchyard/infra/env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  kilobytes,
  type PackedPackage,
  pack,
  publicPackages,
  REPO_ROOT,
  tarballProblems,
} from '../../scripts/packages.ts';
import { FreshApp } from './fresh-app.ts';
import { ensureNode, type NodeRuntime } from './node-line.ts';
import { run } from './run.ts';

const NODE_LINES = (process.env.SWITCHYARD_INSTALL_NODE_LINES || '22 24 26').split(/[\s,]+/).filter(Boolean);

/**
 * The brokers the app runs against when the suite brings them up, each through its adapter. An
 * entry takes part once its adapter is a public package; then a missing address skips it locally
 * and fails in CI (requireBroker). tests/install/app/main.mjs has the matching transport factory.
 */
const BROKERS = [
  { transport: 'kafka', variable: 'KAFKA_BROKERS', service: 'kafka', adapter: '@switchyard/adapter-kafka' },
  { transport: 'nats', variable: 'NATS_URL', service: 'nats', adapter: '@switchyard/adapter-nats' },
  { transport: 'redis', variable: 'REDIS_URL', service: 'redis', adapter: '@switchyard/adapter-redis' },
] as const;

const packages = publicPackages();
const brokers = BROKERS.filter((b) => packages.some((p) => p.name === b.adapter)).flatMap((b) => {
  const address = requireBroker(b.variable, b.service);
  return address === undefined ? [] : [{ ...b, address }];
});

/** What the apps run on: memory, then each broker that is up, with the addresses they read. */
const APP_TRANSPORTS = ['memory', ...brokers.map((b) => b.transport)];
const APP_ENV = Object.fromEntries(brokers.map((b) => [b.variable, b.address]));

/** Registry packages the app installs beside the tarballs (the peers users add themselves). */
function registryDependencies(line: string): string[] {
  const workspaceTypescript = JSON.parse(
    readFileSync(join(REPO_ROOT, 'node_modules', 'typescript', 'package.json'), 'utf8'),
  ).version;
  return [
    '@opentelemetry/api@^1.9.0',
    'zod@^4',
    'tsyringe@^4.10.0',
    `typescript@${workspaceTypescript}`,
    'typescript5@npm:typescript@^5.9', // the compiler most users still have
    `@types/node@^${line}`,
  ];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string) => console.log(`[install-test] ${line}`);

describe('installing the packed packages into an app outside the workspace', () => {
  let tarballDir: string;
  let packed: PackedPackage[] = [];
  const timings: string[] = [];

  beforeAll(async () => {
    log('waiting for `pnpm build` (turbo; cached when nothing changed)');
    const build = await run('pnpm', ['build'], { cwd: REPO_ROOT, timeoutMs: 600_000 });
    log(`built in ${seconds(build.ms)}`);
    tarballDir = mkdtempSync(join(tmpdir(), 'switchyard-tarballs-'));
    packed = packages.map((pkg) => pack(pkg, tarballDir));
    for (const p of packed)
      log(`${p.name}@${p.version}: ${kilobytes(p.size)} packed, ${p.files.length} files`);
  });

  afterAll(() => {
    if (tarballDir !== undefined) rmSync(tarballDir, { recursive: true, force: true });
    for (const line of timings) log(line);
  });

  it('packs dist, README, LICENSE and CHANGELOG only, with no workspace ranges', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(packages.map((p) => p.name).sort());
    for (const p of packed) {
      expect(tarballProblems(p), p.name).toEqual([]);
      const outsideDist = p.files.filter((f) => !f.startsWith('dist/'));
      expect(outsideDist.sort(), p.name).toEqual(
        ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json'].filter(
          (f) => f !== 'CHANGELOG.md' || outsideDist.includes(f),
        ),
      );
    }
  });

  describe.each(NODE_LINES)('on Node %s', (line) => {
    let node: NodeRuntime;
    let app: FreshApp;
    const took: string[] = [];
    let started = 0;

    beforeAll(async () => {
      started = Date.now();
      node = await ensureNode(line);
      app = FreshApp.create(node, REPO_ROOT);
      log(
        `node ${node.version}: waiting for npm install of ${packed.length} tarballs and their peers in ${app.dir}`,
      );
      const install = await app.install([...packed.map((p) => p.tarball), ...registryDependencies(line)]);
      took.push(`npm install ${seconds(install.ms)}`);
    });

    afterAll(() => {
      app?.remove();
      timings.push(
        `node ${node?.version ?? line}: ${took.join(', ')}; total ${seconds(Date.now() - started)}`,
      );
    });

    it('installs the packed versions and the peers npm adds (vitest for the testkit)', () => {
      for (const p of packed) expect(app.installedVersion(p.name), p.name).toBe(p.version);
      expect(app.installedVersion('vitest')).toMatch(/^\d+\./);
    });

    it('imports only what the packages export; a deep import fails with ERR_PACKAGE_PATH_NOT_EXPORTED', async () => {
      const exported = new Set(
        packed.flatMap((p) =>
          Object.keys(p.manifest.exports as Record<string, unknown>).map((sub) => `${p.name}${sub.slice(1)}`),
        ),
      );
      for (const { file, text } of app.sources()) {
        // Only lines that are not a deliberate, type-checked counter-example.
        const code = text.replace(/\/\/ @ts-expect-error[^\n]*\n[^\n]*\n/g, '');
        for (const [, specifier] of code.matchAll(/(?:from|import\()\s*'(@switchyard\/[^']+)'/g))
          expect(exported, `${file} imports ${specifier}`).toContain(specifier);
      }
      for (const deep of ['@switchyard/core/dist/index.js', '@switchyard/core/src/index.ts']) {
        const attempt = app.exec(['--input-type=module', '-e', `await import(${JSON.stringify(deep)})`]);
        await expect(attempt, deep).rejects.toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
      }
    });

    it(`runs an ESM app with typed events and a dead letter on ${APP_TRANSPORTS.join(', ')}`, async () => {
      const result = await app.exec(['main.mjs', ...APP_TRANSPORTS], APP_ENV);
      took.push(`app ${seconds(result.ms)}`);
      for (const transport of APP_TRANSPORTS)
        expect(result.stdout).toMatch(new RegExp(`^ok ${transport}:`, 'm'));
      log(`node ${node.version}:\n${result.stdout.trim()}`);
    });

    it(`runs a CommonJS app that require()s the packages on ${APP_TRANSPORTS.join(', ')}`, async () => {
      const result = await app.exec(['main.cjs', ...APP_TRANSPORTS], APP_ENV);
      took.push(`cjs app ${seconds(result.ms)}`);
      for (const transport of APP_TRANSPORTS)
        expect(result.stdout).toMatch(new RegExp(`^ok cjs ${transport}:`, 'm'));
      expect(result.stderr, 'no warning (ExperimentalWarning for require of ESM, …)').toBe('');
    });

    it.each([
      ['nodenext', 'tsconfig.nodenext.json'],
      ['bundler', 'tsconfig.bundler.json'],
    ])(
      'type-checks a strict TypeScript app with moduleResolution %s (TypeScript 7 and 5)',
      async (name, config) => {
        const current = await app.bin('typescript', 'bin/tsc', ['-p', config]);
        const previous = await app.bin('typescript5', 'bin/tsc', ['-p', config]);
        took.push(`tsc ${name} ${seconds(current.ms)} + ${seconds(previous.ms)}`);
      },
    );

    const cliBrokers = brokers;
    it(`runs the switchyard CLI with npx: help, then topics ensure, publish and tail on ${cliBrokers.map((b) => b.transport).join(', ') || 'no broker'}`, async () => {
      const help = await app.npx(['switchyard', '--help']);
      expect(help.stdout).toContain('Exit codes:');
      for (const b of cliBrokers) {
        const env = { SWITCHYARD_TRANSPORT: b.transport, [b.variable]: b.address };
        const topic = `install.cli.${b.transport}.${Date.now().toString(36)}`;
        await app.npx(['switchyard', 'topics', 'ensure', topic], env);
        await app.npx(
          ['switchyard', 'publish', topic, '--type', 'install.checked', '--data', '{"ok":true}'],
          env,
        );
        const tail = await app.npx(
          ['switchyard', 'tail', topic, '--from', 'earliest', '--no-follow', '--json'],
          env,
        );
        expect(JSON.parse(tail.stdout.trim()), b.transport).toMatchObject({
          event: { type: 'install.checked', source: 'switchyard-cli' },
          data: { ok: true },
        });
      }
      took.push('npx switchyard');
    });

    it('passes the testkit conformance suite on the in-memory transport under vitest', async () => {
      const result = await app.bin('vitest', 'vitest.mjs', ['run', 'conformance.test.mjs']);
      took.push(`vitest ${seconds(result.ms)}`);
      expect(result.stdout).toMatch(/Tests\s+.*\d+ passed/);
    });
  });
});
