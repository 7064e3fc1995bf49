import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createEventBus, type EventBus, type PublishReceipt } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaCompression } from '../options/options.ts';
import { murmur2, partitionForKey } from '../producer/murmur2.ts';
import { JAVA_VECTORS } from '../producer/murmur2.vectors.ts';
import { kafkaJarsDir, requireBroker } from '../test-support/brokers.ts';
import { KAFKA_DRIVERS, KafkaFixture } from '../test-support/fixture.ts';

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

/** Java's reading of a record's headers: name → UTF-8 value. */
function headersOf(field: string): Record<string, string> {
  return Object.fromEntries(
    field.split(';').map((kv) => {
      const [name, v] = kv.split('=');
      return [name!, Buffer.from(v ?? '', 'base64').toString('utf8')];
    }),
  );
}

const SOURCE = 'urn:switchyard:java-interop';
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

for (const driver of KAFKA_DRIVERS) {
  describe.skipIf(JARS === undefined || KAFKA_BROKERS === undefined)(
    `Kafka’s Java consumer reads what Switchyard wrote (${driver} driver)`,
    () => {
      const fx = new KafkaFixture(KAFKA_BROKERS ?? '', driver);
      const buses: EventBus[] = [];
      afterEach(async () => {
        await Promise.allSettled(buses.splice(0).map((bus) => bus.close()));
        await fx.cleanup();
      });

      it('with every codec: none, gzip, snappy, lz4, zstd, every CloudEvents header intact', async () => {
        const codecs: KafkaCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
        const written = new Map<string, { codec: KafkaCompression; receipts: PublishReceipt[] }>();
        const publishedFrom = Date.now();
        for (const codec of codecs) {
          const bus = createEventBus({
            source: SOURCE,
            transport: await fx.transport({ producer: { compression: codec } }),
          });
          buses.push(bus);
          const topic = fx.topic(`codec-${codec}`);
          await bus.ensureTopic({ name: topic, partitions: 3, strategy: 'create-or-update' });
          // Repetitive data so every codec actually compresses; keys spread over the partitions.
          // Even events set every optional attribute, odd ones leave them (and the id, time) to the bus.
          const receipts = await bus.publishBatch(
            topic,
            Array.from({ length: 40 }, (_, n) => ({
              type: 'interop.item',
              data: { n, text: 'switchyard '.repeat(20) },
              key: `key-${n % 9}`,
              headers: { 'x-codec': codec },
              ...(n % 2 === 0 ? optionalAttributes(n) : {}),
            })),
          );
          written.set(topic, { codec, receipts });
        }
        const publishedTo = Date.now();
        const lines = await java('ReadTopics.java', [
          fx.brokers.join(','),
          ...[...written.keys()].map((t) => `${t}:40`),
        ]);
        for (const [topic, { codec, receipts }] of written) {
          const records = lines.map((l) => l.split('\t')).filter(([t]) => t === topic);
          expect(records, `records of ${codec}`).toHaveLength(40);
          const seen = new Set<number>();
          for (const [, partition, , key, value, headers] of records) {
            const data = JSON.parse(Buffer.from(value!, 'base64').toString('utf8')) as { n: number };
            const n = data.n;
            seen.add(n);
            expect(data).toEqual({ n, text: 'switchyard '.repeat(20) });
            expect(Buffer.from(key!, 'base64').toString('utf8')).toBe(`key-${n % 9}`);
            const h = headersOf(headers!);
            expect(h, `${codec}: headers of event ${n}`).toEqual({
              'x-codec': codec,
              ce_id: receipts[n]!.id,
              ce_type: 'interop.item',
              ce_source: SOURCE,
              ce_specversion: '1.0',
              ce_time: n % 2 === 0 ? optionalAttributes(n).time : expect.stringMatching(RFC3339_UTC),
              ...(n % 2 === 0
                ? {
                    ce_subject: `item-${n}`,
                    ce_tenant: 'tenant-a',
                    ce_correlationid: `order-${n}`,
                    ce_dataschema: 'https://example.com/schemas/interop-item.json',
                  }
                : {}),
              'content-type': 'application/json',
            });
            if (n % 2 === 1) {
              const time = Date.parse(h.ce_time!);
              expect(time).toBeGreaterThanOrEqual(publishedFrom - 1);
              expect(time).toBeLessThanOrEqual(publishedTo);
            }
            // Java's consumer sees the record on the partition the bus reported, the one Java's
            // partitioner would pick.
            expect(Number(partition)).toBe(receipts[n]!.partition);
            expect(Number(partition)).toBe(partitionForKey(`key-${n % 9}`, 3));
          }
          expect(seen.size, `${codec}: distinct events`).toBe(40);
          expect(await codecOnDisk(topic)).toBe(codec === 'none' ? 'none' : codec);
        }
      }, 120_000);
    },
  );
}

/** The optional CloudEvents attributes a caller may set, and a time of its own. */
function optionalAttributes(n: number) {
  return {
    subject: `item-${n}`,
    time: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, n)).toISOString(),
    tenant: 'tenant-a',
    correlationId: `order-${n}`,
    dataschema: 'https://example.com/schemas/interop-item.json',
  };
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
