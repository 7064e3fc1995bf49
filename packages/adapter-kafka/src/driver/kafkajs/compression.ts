import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { zstdCompress, zstdDecompress } from 'node:zlib';
// Must load before kafkajs: see kafkajs-encoder-patch.ts.
import './kafkajs-encoder-patch.ts';
import kafkajs from 'kafkajs';
import type { KafkaCompression } from '../../options/options.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs;
const require = createRequire(import.meta.url);
const compressZstd = promisify(zstdCompress);
const decompressZstd = promisify(zstdDecompress);

interface Encoder {
  readonly buffer: Buffer;
}
export type CodecFactory = () => {
  compress(encoder: Encoder): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
};

interface Lz4Napi {
  compressFrame(data: Buffer): Promise<Buffer>;
  compressFrameSync(data: Buffer): Buffer;
  decompressFrame(data: Uint8Array): Promise<Buffer>;
  decompressFrameSync(data: Buffer): Buffer;
}

/**
 * Up to these sizes LZ4 runs on the event loop (tens of µs) instead of in libuv's thread pool: the
 * pool costs a task hand-off and an event-loop turn, 0.3–1.5 ms under load, on every small request
 * and fetch — which is most of what a lone event waits for in kafkajs' send (bench/README.md, "First
 * event on Kafka"). Bigger batches still go to the pool, where they use the second core.
 */
export const LZ4_SYNC_COMPRESS_MAX_BYTES = 65_536;
export const LZ4_SYNC_DECOMPRESS_MAX_BYTES = 16_384;
/**
 * Decompressing costs by what comes out, and a fetched batch of alike events can shrink 50:1 (a
 * small frame, hundreds of KiB of fresh memory to fill). A frame is decompressed on the event loop
 * only while its size times the ratio the last frame had stays under this many bytes.
 */
export const LZ4_SYNC_DECOMPRESS_MAX_OUTPUT_BYTES = 131_072;

/**
 * LZ4 frames (what Kafka stores for `lz4`) from lz4-napi: small requests synchronously, and fetched
 * frames up to LZ4_SYNC_DECOMPRESS_MAX_BYTES whose expected output (their size times the last
 * frame's ratio) is at most LZ4_SYNC_DECOMPRESS_MAX_OUTPUT_BYTES.
 */
export function lz4Codec(lz4: Lz4Napi = require('lz4-napi') as Lz4Napi): CodecFactory {
  const compress = onEventLoopWhen(
    (buffer) => buffer.length <= LZ4_SYNC_COMPRESS_MAX_BYTES,
    lz4.compressFrame,
    lz4.compressFrameSync,
  );
  let ratio = 4; // until a frame is seen: about what JSON events shrink by
  const seen = (frame: Buffer, out: Buffer) => {
    if (frame.length > 0) ratio = out.length / frame.length;
    return out;
  };
  const decompress = onEventLoopWhen(
    (frame) =>
      frame.length <= LZ4_SYNC_DECOMPRESS_MAX_BYTES &&
      frame.length * ratio <= LZ4_SYNC_DECOMPRESS_MAX_OUTPUT_BYTES,
    (frame) => lz4.decompressFrame(frame).then((out) => seen(frame, out)),
    (frame) => seen(frame, lz4.decompressFrameSync(frame)),
  );
  return () => ({ compress: (encoder) => compress(encoder.buffer), decompress });
}

/** Buffers that `fit` through `sync` (a throw becomes a rejection), the others through `pool`. */
function onEventLoopWhen(
  fits: (buffer: Buffer) => boolean,
  pool: (buffer: Buffer) => Promise<Buffer>,
  sync: (buffer: Buffer) => Buffer,
): (buffer: Buffer) => Promise<Buffer> {
  return (buffer) => {
    if (!fits(buffer)) return pool(buffer);
    try {
      return Promise.resolve(sync(buffer));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

let registered = false;

/**
 * Plugs the codecs kafkajs lacks into its global registry, once per process: LZ4 from an N-API
 * prebuilt (`lz4-napi`, small buffers on the event loop), Snappy in pure JS (`kafkajs-snappy`, which also
 * reads Java's xerial framing), zstd from Node's own zlib. None needs node-gyp. kafkajs ships gzip.
 */
export function registerCompressionCodecs(): void {
  if (registered) return;
  const snappy = require('kafkajs-snappy') as CodecFactory;
  const zstd: CodecFactory = () => ({
    compress: (encoder) => compressZstd(encoder.buffer),
    decompress: (buffer) => decompressZstd(buffer),
  });
  const codecs = CompressionCodecs as unknown as Record<number, CodecFactory>;
  codecs[CompressionTypes.LZ4] = lz4Codec();
  codecs[CompressionTypes.Snappy] = snappy;
  codecs[CompressionTypes.ZSTD] = zstd;
  registered = true;
}

export function compressionType(name: KafkaCompression): kafkajs.CompressionTypes {
  switch (name) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'zstd':
      return CompressionTypes.ZSTD;
  }
}
