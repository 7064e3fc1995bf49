import { randomUUID } from 'node:crypto';
import { isEventBusError } from '@switchyard/core';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupReader } from './group-reader.ts';
import { resolveRedisOptions } from './options.ts';
import { ConnectionLost, ReadConnection } from './read-connection.ts';
import { quiet, sleep } from './test-support/fixture.ts';
import { REDIS_URL, SECURE_SERVER } from './test-support/servers.ts';

describe.skipIf(REDIS_URL === undefined)('the read connection', () => {
  const opened: Array<ReadConnection | Redis> = [];
  afterEach(() => {
    for (const c of opened.splice(0)) c.disconnect();
  });

  function connection(extra: Parameters<typeof resolveRedisOptions>[0] = {}): ReadConnection {
    const c = new ReadConnection(
      resolveRedisOptions({ url: REDIS_URL!, logger: quiet, reconnectWaitMs: 50, ...extra }),
      'reader',
    );
    opened.push(c);
    return c;
  }

  async function streamWithGroup(fields: string[]): Promise<{ key: string; admin: Redis }> {
    const admin = new Redis(REDIS_URL!);
    opened.push(admin);
    const key = `read-conn-${randomUUID()}`;
    await admin.xgroup('CREATE', key, 'g', '0', 'MKSTREAM');
    await admin.xadd(key, '*', ...fields);
    return { key, admin };
  }

  it('reads entries as ioredis callBuffer does: the id and the fields as Buffers', async () => {
    const fields = ['ce_id', 'é-1', 'data', '{"n":1}'];
    const { key, admin } = await streamWithGroup(fields);
    const reader = new GroupReader(connection(), key, 'g', 'c1', 1_000);
    await reader.start(() => undefined);
    const { entries } = await reader.read(10);
    await admin.xgroup('SETID', key, 'g', '0');
    const expected = (await admin.callBuffer('xreadgroup', 'GROUP', 'g', 'c2', 'STREAMS', key, '>')) as Array<
      [Buffer, unknown]
    >;
    expect(entries).toEqual(expected[0]![1]);
    expect(entries?.[0]?.[1]?.map((b) => b.toString())).toEqual(fields);
  });

  it('returns null when nothing came within the block time', async () => {
    const { key } = await streamWithGroup(['data', 'x']);
    const reader = new GroupReader(connection(), key, 'g', 'c1', 100);
    await reader.start(() => undefined);
    expect((await reader.read(10)).entries).toHaveLength(1);
    expect(await reader.read(10)).toEqual({ entries: null, lost: false });
  });

  it('says the reply was lost when the connection drops during a read, and reconnects for the next one', async () => {
    const { key, admin } = await streamWithGroup(['data', 'x']);
    const c = connection();
    let reconnects = 0;
    const reader = new GroupReader(c, key, 'g', 'c1', 5_000);
    await reader.start(() => reconnects++);
    await reader.read(10);
    const blocked = reader.read(10);
    // Blocked on the server (bounded: 2 s).
    for (let i = 0; i < 200; i++) {
      const list = String(await admin.client('LIST'));
      if (list.split('\n').some((l) => l.includes(`id=${c.clientId} `) && l.includes('cmd=xreadgroup')))
        break;
      await sleep(10);
    }
    await admin.client('KILL', 'ID', String(c.clientId));
    expect(await blocked).toEqual({ entries: null, lost: true });
    await admin.xadd(key, '*', 'data', 'y');
    const { entries } = await reader.read(10);
    expect(entries?.map(([, f]) => f?.[1]?.toString())).toEqual(['y']);
    expect(reconnects).toBe(1);
  });

  it('fails a command with ConnectionLost when it is closed', async () => {
    const c = connection();
    await c.connect();
    const waiting = c.call(['BLPOP', `nothing-${randomUUID()}`, '5']);
    c.disconnect();
    await expect(waiting).rejects.toBeInstanceOf(ConnectionLost);
    expect(await c.reconnect()).toBe(false);
  });

  it.skipIf(SECURE_SERVER.url === undefined)(
    'connects over TLS as an ACL user, and fails with AUTHENTICATION_FAILED on a wrong password without showing it',
    async () => {
      const tls = { caFile: SECURE_SERVER.caFile! };
      const ok = connection({
        url: SECURE_SERVER.url!,
        username: SECURE_SERVER.user!,
        password: SECURE_SERVER.password!,
        tls,
      });
      await ok.connect();
      expect(ok.clientId).toBeGreaterThan(0);
      const wrong = connection({
        url: SECURE_SERVER.url!,
        username: SECURE_SERVER.user!,
        password: 'not-the-password-42',
        tls,
      });
      const error = await wrong.reconnect().catch((e: unknown) => e);
      expect(isEventBusError(error) && error.code).toBe('AUTHENTICATION_FAILED');
      expect(String((error as Error).message)).not.toContain('not-the-password-42');
    },
  );
});
