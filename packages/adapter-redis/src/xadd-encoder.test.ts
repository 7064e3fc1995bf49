import { Command } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { encodeXadds } from './xadd-encoder.ts';

/** What ioredis itself writes for the same XADD. If this fails, an ioredis upgrade changed its encoding. */
function ioredisBytes(args: Array<string | Buffer>): Buffer {
  const written = new Command('xadd', args).toWritable({});
  return typeof written === 'string' ? Buffer.from(written, 'utf8') : written;
}

describe('encodeXadds', () => {
  it('writes the bytes ioredis writes for the same XADD, one slice per command of one buffer', () => {
    const specs = [
      {
        key: 'orders',
        options: ['MAXLEN', '~', '1000000'],
        fields: ['ce_id', 'e-1', 'ce_type', 'order.placed', 'x-note', 'ünïcødé ✓', 'data'],
        data: Buffer.from('{"orderId":"o-1"}'),
      },
      {
        key: 'pay.ments',
        options: ['NOMKSTREAM', 'MINID', '~', '17-0'],
        fields: ['data'],
        data: new Uint8Array([0, 255, 13, 10]),
      },
      { key: 'orders', options: [], fields: ['ce_id', '', 'data'], data: Buffer.alloc(0) },
    ];
    const commands = encodeXadds(specs);
    expect(commands).toHaveLength(3);
    commands.forEach((command, i) => {
      const s = specs[i]!;
      const mine = command.toWritable({});
      expect(mine.toString('latin1')).toBe(
        ioredisBytes([s.key, ...s.options, '*', ...s.fields, Buffer.from(s.data)]).toString('latin1'),
      );
      expect(command.name).toBe('xadd');
    });
    const [a, b] = commands.map((c) => c.toWritable({}));
    expect(a!.buffer).toBe(b!.buffer); // one allocation for the batch
  });
});
