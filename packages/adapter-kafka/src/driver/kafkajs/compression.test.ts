import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  compressionType,
  LZ4_SYNC_COMPRESS_MAX_BYTES,
  LZ4_SYNC_DECOMPRESS_MAX_BYTES,
  LZ4_SYNC_DECOMPRESS_MAX_OUTPUT_BYTES,
  lz4Codec,
  registerCompressionCodecs,
} from './compression.ts';

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

describe('LZ4 on the event loop for small buffers', () => {
  const real = createRequire(import.meta.url)('lz4-napi') as Parameters<typeof lz4Codec>[0] & object;

  function counting() {
    const calls: string[] = [];
    const noted =
      <A extends unknown[], R>(name: string, f: (...args: A) => R) =>
      (...args: A): R => {
        calls.push(name);
        return f(...args);
      };
    const lz4 = {
      compressFrame: noted('compress pool', real.compressFrame),
      compressFrameSync: noted('compress sync', real.compressFrameSync),
      decompressFrame: noted('decompress pool', real.decompressFrame),
      decompressFrameSync: noted('decompress sync', real.decompressFrameSync),
    };
    return { calls, codec: lz4Codec(lz4)() };
  }

  it('compresses a small request synchronously and a big one in the thread pool, same frames either way', async () => {
    const { calls, codec } = counting();
    const small = Buffer.from('{"orderId":4711,"sku":"PX-42"} '.repeat(100));
    const big = Buffer.from('x'.repeat(LZ4_SYNC_COMPRESS_MAX_BYTES + 1));
    const smallFrame = await codec.compress({ buffer: small });
    const bigFrame = await codec.compress({ buffer: big });
    expect(calls).toEqual(['compress sync', 'compress pool']);
    expect(smallFrame).toEqual(await real.compressFrame(small));
    expect(bigFrame).toEqual(real.compressFrameSync(big));
  });

  it('decompresses a small fetched batch synchronously and a big one in the thread pool', async () => {
    const { calls, codec } = counting();
    const small = real.compressFrameSync(Buffer.from('switchyard '.repeat(200)));
    const random = randomBytes(LZ4_SYNC_DECOMPRESS_MAX_BYTES * 2); // incompressible: the frame stays big
    const big = real.compressFrameSync(random);
    expect(big.length).toBeGreaterThan(LZ4_SYNC_DECOMPRESS_MAX_BYTES);
    expect((await codec.decompress(small)).toString()).toBe('switchyard '.repeat(200));
    expect(await codec.decompress(big)).toEqual(random);
    expect(calls).toEqual(['decompress sync', 'decompress pool']);
  });

  it('decompresses a small frame in the thread pool once frames like it came out large', async () => {
    // A fetched batch of alike 1 KiB events: a few KiB compressed, hundreds of KiB out.
    const { calls, codec } = counting();
    const events = Buffer.from(`{"orderId":4711,"note":"${'x'.repeat(1000)}"}`.repeat(300));
    const frame = real.compressFrameSync(events);
    expect(frame.length).toBeLessThan(LZ4_SYNC_DECOMPRESS_MAX_BYTES);
    expect(events.length).toBeGreaterThan(LZ4_SYNC_DECOMPRESS_MAX_OUTPUT_BYTES);
    const lone = real.compressFrameSync(Buffer.from(`{"orderId":4712,"note":"${'y'.repeat(1000)}"}`));
    for (const f of [frame, frame, lone]) await codec.decompress(f);
    // The first is judged by the JSON-like ratio it assumes; a lone event stays on the event loop.
    expect(calls).toEqual(['decompress sync', 'decompress pool', 'decompress sync']);
  });

  it('reports a corrupt frame as a rejected promise, not a throw', async () => {
    const { codec } = counting();
    const pending = codec.decompress(Buffer.from('not an lz4 frame'));
    await expect(pending).rejects.toThrow();
  });
});
