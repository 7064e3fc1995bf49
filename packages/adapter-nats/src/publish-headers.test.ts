import { jetstream } from '@nats-io/jetstream';
import { type NatsConnection, headers as natsHeaders } from '@nats-io/nats-core';
import type { MsgHdrsImpl } from '@nats-io/nats-core/internal';
import type { OutboundMessage } from '@switchyard/core/transport';
import { describe, expect, it } from 'vitest';
import { publishHeaders } from './publish-headers.ts';
import { message } from './test-support/fixture.ts';

/**
 * The header block @nats-io/jetstream puts on the wire for a publish, read where it reaches the
 * connection (`nc.request`), so the comparison runs through nats.js's own publish code.
 */
async function sentHeaderBlock(options: { headers?: unknown; msgID?: string }): Promise<string> {
  let block: Uint8Array | undefined;
  const nc = {
    options: {},
    request: async (_subject: string, _data: Uint8Array, opts: { headers?: MsgHdrsImpl }) => {
      block = opts.headers?.encode();
      return { data: new TextEncoder().encode('{"stream":"s","seq":1}') };
    },
  } as unknown as NatsConnection;
  await jetstream(nc).publish('orders', new Uint8Array(1), options as never);
  return Buffer.from(block ?? new Uint8Array()).toString('utf8');
}

/** What the adapter sent before: nats.js headers set one by one, the id as jetstream's `msgID`. */
async function pristine(m: OutboundMessage): Promise<string> {
  const headers = natsHeaders();
  for (const name in m.headers) headers.set(name, m.headers[name]!);
  return sentHeaderBlock({ headers, msgID: m.id });
}

async function fast(m: OutboundMessage): Promise<{ block: string; size: number }> {
  const { headers, size } = publishHeaders(m);
  return { block: await sentHeaderBlock({ headers }), size };
}

const cases: Record<string, Partial<OutboundMessage>> = {
  'CloudEvents headers': {},
  'values with surrounding whitespace (nats.js trims them)': {
    headers: { 'ce-type': '  padded\t', 'ce-source': ' s ' },
    id: ' spaced-id ',
  },
  'non-ASCII values': { headers: { 'ce-source': 'zürich-😀', 'x-user': 'ünïcode' } },
  'a user header named Nats-Msg-Id (the event id replaces it, last)': {
    headers: { 'Nats-Msg-Id': 'user', 'ce-type': 'item' },
  },
  'a differently cased nats-msg-id (kept: names match exactly)': {
    headers: { 'nats-msg-id': 'user', 'ce-type': 'item' },
  },
  'an empty value': { headers: { 'ce-type': '' } },
  'no headers but the id': { headers: {} },
};

describe('publish headers', () => {
  for (const [name, overrides] of Object.entries(cases)) {
    it(`puts the bytes nats.js would on the wire: ${name}`, async () => {
      const m = message('orders', 7, overrides);
      const { block, size } = await fast(m);
      expect(block).toBe(await pristine(m));
      expect(size).toBe(Buffer.byteLength(block) + m.value.byteLength);
    });
  }

  it('fails like nats.js on a value with a line break and on a bad header name', async () => {
    for (const headers of [
      { 'x-bad': 'a\r\nb' },
      { 'x-bad': 'a\nb' },
      { 'bad name': 'v' },
      { 'bad:name': 'v' },
    ]) {
      const m = message('orders', 1, { headers });
      const expected = await pristine(m).catch((e: unknown) => e);
      expect(expected).toBeInstanceOf(Error);
      expect(() => publishHeaders(m)).toThrow((expected as Error).message);
    }
  });

  it('fails like nats.js on an id with a line break', async () => {
    const m = message('orders', 1, { id: 'a\nb' });
    const expected = await pristine(m).catch((e: unknown) => e);
    expect(() => publishHeaders(m)).toThrow((expected as Error).message);
  });

  it('reads back like nats.js headers and re-encodes after a change', async () => {
    const m = message('orders', 3);
    const { headers } = publishHeaders(m);
    expect(headers.get('ce-type')).toBe('item');
    expect(headers.get('Nats-Msg-Id')).toBe(m.id);
    headers.set('Nats-Expected-Stream', 'orders');
    const reference = natsHeaders();
    for (const name in m.headers) reference.set(name, m.headers[name]!);
    reference.set('Nats-Msg-Id', m.id);
    reference.set('Nats-Expected-Stream', 'orders');
    expect(await sentHeaderBlock({ headers })).toBe(await sentHeaderBlock({ headers: reference }));
  });
});
