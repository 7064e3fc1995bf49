import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, toPositive } from './murmur2.ts';
import { JAVA_VECTORS } from './murmur2.vectors.ts';

describe('murmur2', () => {
  it('matches the Java client bit for bit, and so does the partition choice', () => {
    for (const [key, hash, of12, of7] of JAVA_VECTORS) {
      expect(murmur2(Buffer.from(key, 'utf8')), key).toBe(hash);
      expect(partitionForKey(key, 12), key).toBe(of12);
      expect(partitionForKey(key, 7), key).toBe(of7);
    }
  });

  it('hashes a string key as its UTF-8 bytes, whether ASCII, not, or longer than the scratch buffer', () => {
    const keys = [
      '',
      'k',
      'order-42',
      'größe',
      '🚚',
      'a'.repeat(256),
      'b'.repeat(257),
      `${'c'.repeat(255)}é`,
    ];
    for (const key of keys) {
      const bytes = Buffer.from(key, 'utf8');
      expect(partitionForKey(key, 1_000_003), key).toBe(partitionForKey(bytes, 1_000_003));
      expect(partitionForKey(key, 1_000_003), key).toBe(toPositive(murmur2(bytes)) % 1_000_003);
    }
  });

  it('matches the vectors from Kafka’s own murmur2 tests', () => {
    // These five come from Kafka's UtilsTest / kafkajs' tests and are stable across versions.
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
  });

  it('agrees with kafkajs’ Java-compatible DefaultPartitioner hash on many keys', () => {
    const require = createRequire(import.meta.url);
    const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (
      k: Buffer,
    ) => number;
    for (let i = 0; i < 2000; i++) {
      const key = Buffer.from(`key-${i}-${'x'.repeat(i % 7)}-ü${i * 31}`);
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
    }
  });

  it('maps keys to partitions like the Java default partitioner', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(partitionForKey('foobar', 12)).toBe(toPositive(-790332482) % 12);
    for (let p = 1; p < 50; p++) {
      const partition = partitionForKey('order-42', p);
      expect(partition).toBeGreaterThanOrEqual(0);
      expect(partition).toBeLessThan(p);
    }
  });
});
