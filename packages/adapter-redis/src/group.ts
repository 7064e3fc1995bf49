import type { ConsumerLag } from '@switchyard/core';
import type { Redis } from 'ioredis';
import { replyPrefix } from './map-error.ts';

/**
 * Creates the consumer group (and, with `mkstream`, the stream) unless it exists. `start` is where
 * a new group begins: `0` (earliest) or `$` (latest). Another member creating it first is fine.
 */
export async function ensureGroup(
  client: Redis,
  key: string,
  group: string,
  start: '0' | '$',
  mkstream: boolean,
): Promise<void> {
  try {
    if (mkstream) await client.xgroup('CREATE', key, group, start, 'MKSTREAM');
    else await client.xgroup('CREATE', key, group, start);
  } catch (error) {
    if (replyPrefix(error) !== 'BUSYGROUP') throw error;
  }
}

/**
 * The group's lag from `XINFO GROUPS`: entries not yet read by the group (`lag`) plus entries read
 * but not acknowledged (`pending`). Redis reports `lag` as nil when it cannot tell (entries deleted
 * with XDEL in the unread part); then the stream's length past the last read entry is counted
 * with XLEN's upper bound instead.
 */
export async function groupLag(client: Redis, key: string, group: string): Promise<ConsumerLag> {
  const groups = (await client.xinfo('GROUPS', key)) as unknown[][];
  for (const fields of groups) {
    const info = fieldMap(fields);
    if (info.get('name') !== group) continue;
    const pending = Number(info.get('pending') ?? 0);
    const rawLag = info.get('lag');
    const unread = rawLag === null || rawLag === undefined ? await client.xlen(key) : Number(rawLag);
    return { total: unread + pending, pending: unread, ackPending: pending };
  }
  return { total: 0, pending: 0, ackPending: 0 };
}

function fieldMap(fields: readonly unknown[]): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(String(fields[i]), fields[i + 1]);
  return map;
}
