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
type CodecFactory = () => {
  compress(encoder: Encoder): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
};

let registered = false;

/**
 * Plugs the codecs kafkajs lacks into its global registry, once per process: LZ4 from an N-API
 * prebuilt (`lz4-napi` via `@2l/kafkajs-lz4`), Snappy in pure JS (`kafkajs-snappy`, which also
 * reads Java's xerial framing), zstd from Node's own zlib. None needs node-gyp. kafkajs ships gzip.
 */
export function registerCompressionCodecs(): void {
  if (registered) return;
  const LZ4Codec = require('@2l/kafkajs-lz4') as new () => { codec: CodecFactory };
  const snappy = require('kafkajs-snappy') as CodecFactory;
  const zstd: CodecFactory = () => ({
    compress: (encoder) => compressZstd(encoder.buffer),
    decompress: (buffer) => decompressZstd(buffer),
  });
  const codecs = CompressionCodecs as unknown as Record<number, CodecFactory>;
  codecs[CompressionTypes.LZ4] = new LZ4Codec().codec;
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
