import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaCompression } from '../options/options.ts';
import { murmur2, partitionForKey } from '../producer/murmur2.ts';
import { JAVA_VECTORS } from '../producer/murmur2.vectors.ts';
import { kafkaJarsDir, requireBroker } from '../test-support/brokers.ts';
import { event, KAFKA_DRIVERS, KafkaFixture } from '../test-support/fixture.ts';

const run = promisify(execFile);
const JAVA_DIR = join(import.meta.dirname, 'java');
const JARS = kafkaJarsDir();
const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

/** Runs a single-file Java program from `java/` against the Kafka jars (Java 17 source-file mode). */
async function java(program: string, args: readonly string[]): Promise<string[]> {
  const { stdout } = await run('java', ['-cp', `${JARS}/*`, join(JAVA_DIR, program), ...args], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  return stdout.split('\n').filter((line) => line.length > 0);
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe.skipIf(JARS === undefined)('interop with the Java client from the Kafka jars', () => {
  it('computes murmur2 and the default partition exactly as Utils.murmur2 / BuiltInPartitioner do', async () => {
    const keys = [
      ...JAVA_VECTORS.map(([k]) => k),
      ...Array.from({ length: 300 }, (_, i) => `key-${i}-${'ü'.repeat(i % 5)}-${i * 7919}`),
    ];
    const lines = await java('Murmur2Vectors.java', keys.map(b64));
    expect(lines).toHaveLength(keys.length);
    lines.forEach((line, i) => {
      const [, hash, of12, of7] = line.split('\t');
      const key = keys[i]!;
      expect([
        key,
        murmur2(Buffer.from(key, 'utf8')),
        partitionForKey(key, 12),
        partitionForKey(key, 7),
      ]).toEqual([key, Number(hash), Number(of12), Number(of7)]);
    });
  }, 60_000);
});

for (const driver of KAFKA_DRIVERS) {
  describe.skipIf(JARS === undefined || KAFKA_BROKERS === undefined)(
    `Kafka’s Java consumer reads what Switchyard wrote (${driver} driver)`,
    () => {
      const fx = new KafkaFixture(KAFKA_BROKERS ?? '', driver);
      afterEach(() => fx.cleanup());

      it('with every codec: none, gzip, snappy, lz4, zstd', async () => {
        const codecs: KafkaCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
        const written = new Map<string, { codec: KafkaCompression; sent: ReturnType<typeof event>[] }>();
        for (const codec of codecs) {
          const transport = await fx.transport({ producer: { compression: codec } });
          const topic = fx.topic(`codec-${codec}`);
          await transport.ensureTopic({ name: topic, partitions: 3, strategy: 'create-or-update' });
          // Repetitive values so every codec actually compresses; keys spread over the partitions.
          const sent = Array.from({ length: 40 }, (_, n) => {
            const e = event(topic, n, `key-${n % 9}`);
            return {
              ...e,
              value: Buffer.from(JSON.stringify({ n, text: 'switchyard '.repeat(20) })),
              headers: { ...e.headers, 'x-codec': codec },
            };
          });
          const outcomes = await transport.send(sent);
          expect(outcomes.every((o) => o.ok)).toBe(true);
          written.set(topic, { codec, sent });
        }
        const lines = await java('ReadTopics.java', [
          fx.brokers.join(','),
          ...[...written.keys()].map((t) => `${t}:40`),
        ]);
        for (const [topic, { codec, sent }] of written) {
          const records = lines.map((l) => l.split('\t')).filter(([t]) => t === topic);
          expect(records, `records of ${codec}`).toHaveLength(40);
          const byId = new Map(sent.map((s) => [s.id, s]));
          for (const [, partition, , key, value, headers] of records) {
            const h = Object.fromEntries(
              headers!.split(';').map((kv) => {
                const [name, v] = kv.split('=');
                return [name!, Buffer.from(v ?? '', 'base64').toString('utf8')];
              }),
            );
            const original = byId.get(h.ce_id!)!;
            expect(original, `${codec}: record ${h.ce_id} was sent`).toBeDefined();
            expect(Buffer.from(key!, 'base64').toString('utf8')).toBe(original.key);
            expect(Buffer.from(value!, 'base64')).toEqual(original.value);
            expect(h['x-codec']).toBe(codec);
            // Java's consumer sees the record on the partition Java's partitioner would pick.
            expect(Number(partition)).toBe(partitionForKey(original.key!, 3));
          }
          expect(await codecOnDisk(topic)).toBe(codec === 'none' ? 'none' : codec);
        }
      }, 120_000);
    },
  );
}

/**
 * Which codec the broker stored the batches with, read by Kafka's DumpLogSegments from the
 * single-node broker's data directory (written by infra/up kafka, under `INFRA_STATE_DIR` when set);
 * `none` when no batch is compressed.
 */
async function codecOnDisk(topic: string): Promise<string> {
  const stateDir = process.env.INFRA_STATE_DIR ?? join(import.meta.dirname, '../../../../infra/.state');
  const dataDir = join(stateDir, 'kafka/data');
  if (!existsSync(dataDir))
    throw new Error(
      `${dataDir} does not exist: KAFKA_BROKERS is another checkout's broker (set INFRA_STATE_DIR to its state)`,
    );
  const files = readdirSync(dataDir)
    .filter((d) => d.startsWith(`${topic}-`))
    .flatMap((d) =>
      readdirSync(join(dataDir, d))
        .filter((f) => f.endsWith('.log'))
        .map((f) => join(dataDir, d, f)),
    );
  const { stdout } = await run(
    'java',
    ['-cp', `${JARS}/*`, 'org.apache.kafka.tools.DumpLogSegments', '--files', files.join(',')],
    {
      maxBuffer: 16 * 1024 * 1024,
      timeout: 60_000,
    },
  );
  const codecs = new Set([...stdout.matchAll(/compresscodec: (\w+)/g)].map((m) => m[1]!.toLowerCase()));
  return [...codecs].join('+');
}
