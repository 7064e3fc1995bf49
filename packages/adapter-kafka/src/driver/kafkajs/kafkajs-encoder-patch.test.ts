import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encoderPatch } from './kafkajs-encoder-patch.ts';

const require = createRequire(import.meta.url);

describe('kafkajs encoder patch', () => {
  it('is applied in full when loaded before kafkajs', () => {
    expect(encoderPatch).toBe('full');
  });

  it('writes varints byte for byte as kafkajs does', () => {
    const Encoder = require('kafkajs/src/protocol/encoder.js');
    const reference = (value: number): Buffer => {
      const bytes: number[] = [];
      let v = value;
      while ((v & 0xffffff80) !== 0) {
        bytes.push((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      bytes.push(v & 0x7f);
      return Buffer.from(bytes);
    };
    for (const value of [
      0,
      1,
      127,
      128,
      255,
      300,
      16_383,
      16_384,
      2 ** 21,
      2 ** 28 + 5,
      2 ** 31 - 1,
      -1,
      -64,
    ]) {
      expect(new Encoder().writeUVarInt(value).buffer).toEqual(reference(value));
      expect(new Encoder().writeVarInt(value).buffer).toEqual(reference(Encoder.encodeZigZag(value)));
    }
  });

  it('encodes a record with headers to the same bytes as unpatched kafkajs', () => {
    const paths = ['encoder.js', 'recordBatch/record/v0/index.js', 'recordBatch/header/v0/index.js'].map(
      (p) => require.resolve(`kafkajs/src/protocol/${p}`),
    );
    const encode = () => {
      const Encoder = require(paths[0]!);
      const Record = require(paths[1]!);
      const headers = {
        ce_id: '0190f3c4-0000-7000-8000-000000000001',
        ce_type: 'order.placed',
        'content-type': 'application/json',
      };
      const record = Record({
        offsetDelta: 3,
        timestampDelta: 1_234,
        key: Buffer.from('o-1'),
        value: Buffer.from('{"n":1}'.repeat(40)),
        headers,
      });
      return new Encoder().writeEncoder(record).buffer as Buffer;
    };
    const patched = encode();
    // Load pristine copies of the three modules beside the patched ones, then put the patched ones back.
    const saved = paths.map((p) => require.cache[p]);
    for (const p of paths) delete require.cache[p];
    let pristine: Buffer;
    try {
      pristine = encode();
    } finally {
      paths.forEach((p, i) => {
        require.cache[p] = saved[i];
      });
    }
    expect(require(paths[0]!).switchyardPatched).toBe(true);
    expect(patched.equals(pristine)).toBe(true);
    expect(patched.length).toBeGreaterThan(300);
  });
});
