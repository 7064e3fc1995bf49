import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.ts';

const require = createRequire(import.meta.url);
// kafkajs' own byte-at-a-time implementation (the module the patch does not replace).
const reference = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;

describe('crc32c', () => {
  it('gives the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('equals kafkajs for every length and alignment up to 300 bytes and for large buffers', () => {
    const data = Buffer.alloc(70_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 13;
    for (let start = 0; start < 8; start++) {
      for (let length = 0; length <= 300; length++) {
        const slice = data.subarray(start, start + length);
        expect(crc32c(slice)).toBe(reference(slice));
      }
    }
    expect(crc32c(data)).toBe(reference(data));
  });
});
