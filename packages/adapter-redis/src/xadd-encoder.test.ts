import { isEventBusError } from '@switchyard/core';
import { Command } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { message } from './test-support/fixture.ts';
import { encodeFields, encodeXadds, xaddPrefix } from './xadd-encoder.ts';

/** What ioredis itself writes for the same XADD. If this fails, an ioredis upgrade changed its encoding. */
function ioredisBytes(args: Array<string | Buffer>): string {
  const written = new Command('xadd', args).toWritable({});
  return (typeof written === 'string' ? Buffer.from(written, 'utf8') : written).toString('latin1');
}

describe('encodeXadds', () => {
  it('writes the bytes ioredis writes for the same XADD, one slice per command of one buffer', () => {
    const events = [
      {
        key: 'orders',
        options: ['MAXLEN', '~', '1000000'],
        headers: { ce_id: 'e-1', ce_type: 'order.placed', 'x-note': 'ünïcødé ✓' },
        value: Buffer.from('{"orderId":"o-1"}'),
      },
      {
        key: 'pay.ments',
        options: ['NOMKSTREAM', 'MINID', '~', '17-0'],
        headers: {},
        value: new Uint8Array([0, 255, 13, 10]),
      },
      { key: 'orders', options: [], headers: { ce_id: '' }, value: Buffer.alloc(0) },
    ];
    const commands = encodeXadds(
      events.map((e) => ({
        prefix: xaddPrefix(e.key, e.options),
        fields: encodeFields(message(e.key, 1, { headers: e.headers, value: e.value })),
      })),
    );
    expect(commands).toHaveLength(3);
    commands.forEach((command, i) => {
      const e = events[i]!;
      const fields = Object.entries(e.headers).flat();
      expect(command.toWritable({}).toString('latin1')).toBe(
        ioredisBytes([e.key, ...e.options, '*', ...fields, 'data', Buffer.from(e.value)]),
      );
      expect(command.name).toBe('xadd');
    });
    const [a, b] = commands.map((c) => c.toWritable({}));
    expect(a!.buffer).toBe(b!.buffer); // one allocation for the batch
  });
});

describe('encodeFields', () => {
  it('counts the bytes of names and values, data included', () => {
    const fields = encodeFields(
      message('orders', 1, { headers: { ce_id: 'e-1', ce_type: 'item' }, value: Buffer.alloc(10) }),
    );
    expect(fields.size).toBe('ce_ide-1ce_typeitemdata'.length + 10);
    expect(fields.count).toBe(6);
  });

  it('refuses a header that would take the data field', () => {
    try {
      encodeFields(message('orders', 1, { headers: { data: 'oops' } }));
      expect.unreachable();
    } catch (error) {
      expect(isEventBusError(error, 'INVALID_EVENT')).toBe(true);
      expect((error as Error).message).toMatch(/header named "data"/);
    }
  });
});
