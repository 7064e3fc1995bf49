import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { compressionType, registerCompressionCodecs } from './compression.ts';

type Codec = () => {
  compress(e: { buffer: Buffer }): Promise<Buffer>;
  decompress(b: Buffer): Promise<Buffer>;
};

describe('compression codecs', () => {
  it('registers LZ4, Snappy and zstd with kafkajs and each round-trips (none needs a native build)', async () => {
    registerCompressionCodecs();
    const codecs = kafkajs.CompressionCodecs as unknown as Record<number, Codec>;
    const data = Buffer.from('switchyard '.repeat(500));
    for (const name of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const codec = codecs[compressionType(name)]!();
      const packed = await codec.compress({ buffer: data });
      expect(packed.length, name).toBeLessThan(data.length / 4);
      expect(await codec.decompress(packed), name).toEqual(data);
    }
  });

  it('writes standard frames: zstd and LZ4 start with their frame magic numbers', async () => {
    registerCompressionCodecs();
    const codecs = kafkajs.CompressionCodecs as unknown as Record<number, Codec>;
    const zstd = await codecs[compressionType('zstd')]!().compress({ buffer: Buffer.from('x'.repeat(100)) });
    expect(zstd.readUInt32LE(0)).toBe(0xfd2fb528);
    const lz4 = await codecs[compressionType('lz4')]!().compress({ buffer: Buffer.from('x'.repeat(100)) });
    expect(lz4.readUInt32LE(0)).toBe(0x184d2204);
  });
});
