import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));

/**
 * Runs `body` as an ES module in a fresh Node (the source build), after `prelude` imports; prints
 * the last line's JSON. A process of its own: which modules kafkajs left in the require cache is
 * the subject here.
 */
async function inFreshNode(prelude: string, body: string): Promise<Record<string, unknown>> {
  const script = `
    ${prelude}
    import { createRequire } from 'node:module';
    const { kafka } = await import(${here('./index.ts')});
    const require = createRequire(${here('./index.ts')});
    const kafkajsLoaded = () => Object.keys(require.cache).some((path) => /[\\\\/]kafkajs[\\\\/].*\\.js$/.test(path));
    const warnings = [];
    const logger = { debug() {}, info() {}, warn: (m) => warnings.push(String(m)), error() {} };
    // The warning about the encoder (the failed connects warn too).
    const encoderWarnings = () => warnings.filter((w) => w.includes('kafkajs was loaded before'));
    const unreachable = { brokers: ['127.0.0.1:1'], logger, connectTimeoutMs: 300,
      retry: { retries: 1, initialRetryTimeMs: 50, maxRetryTimeMs: 50 } };
    ${body}
  `;
  const { stdout } = await run(
    process.execPath,
    ['--conditions=@switchyard/source', '--no-warnings', '--input-type=module', '-e', script],
    // In the package's folder, where its dependencies (kafkajs) resolve.
    { timeout: 20_000, cwd: fileURLToPath(new URL('..', import.meta.url)) },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe('loading the kafkajs driver', () => {
  it('loads kafkajs on a kafkajs transport’s first connect, never for the platformatic driver', async () => {
    const result = await inFreshNode(
      '',
      `
      const onPlatformatic = kafka({ ...unreachable, driver: 'platformatic' });
      const onKafkajs = kafka(unreachable);
      const beforeConnect = { kafkajs: kafkajsLoaded(), patches: onKafkajs.health().details.patches };
      await onPlatformatic.connect().catch(() => {});
      const afterPlatformatic = kafkajsLoaded();
      await onKafkajs.connect().catch(() => {});
      console.log(JSON.stringify({ beforeConnect, afterPlatformatic, afterKafkajs: kafkajsLoaded(),
        patches: onKafkajs.health().details.patches, warnings: encoderWarnings() }));
      `,
    );
    expect(result).toEqual({
      beforeConnect: { kafkajs: false, patches: 'not loaded yet' },
      afterPlatformatic: false,
      afterKafkajs: true,
      patches: expect.objectContaining({ encoder: 'full', requestQueue: true }),
      warnings: [],
    });
  });

  it('warns, naming the import that fixes it, when the application loaded kafkajs first', async () => {
    const result = await inFreshNode(
      "import 'kafkajs';",
      `
      const transport = kafka(unreachable);
      await transport.connect().catch(() => {});
      console.log(JSON.stringify({ encoder: transport.health().details.patches.encoder,
        warnings: encoderWarnings() }));
      `,
    );
    expect(result.encoder).toBe('varint-only');
    expect(result.warnings).toEqual([expect.stringContaining("import '@switchyard/adapter-kafka/kafkajs'")]);
  });

  it('puts the encoder in place for an application that imports @switchyard/adapter-kafka/kafkajs first', async () => {
    const result = await inFreshNode(
      `import { encoderPatch } from ${here('./kafkajs.ts')};\n    import 'kafkajs';`,
      `
      const transport = kafka(unreachable);
      await transport.connect().catch(() => {});
      console.log(JSON.stringify({ encoderPatch, patches: transport.health().details.patches, warnings: encoderWarnings() }));
      `,
    );
    expect(result).toEqual({
      encoderPatch: 'full',
      patches: expect.objectContaining({ encoder: 'full', requestQueue: true }),
      warnings: [],
    });
  });
});
