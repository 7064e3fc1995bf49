import { afterEach, describe, expect, it } from 'vitest';
import { PendingList } from './pending-list.ts';
import { RedisFixture } from './test-support/fixture.ts';
import { REDIS_URL } from './test-support/servers.ts';

describe.skipIf(REDIS_URL === undefined)('PendingList', () => {
  const f = new RedisFixture(REDIS_URL ?? '');
  afterEach(() => f.cleanup());

  it('takes back the own pending entries the member does not know, each with one more delivery', async () => {
    const key = f.topic();
    await f.admin.xgroup('CREATE', key, 'g', '0', 'MKSTREAM');
    for (const n of [0, 1, 2]) await f.admin.xadd(key, `${n + 1}-0`, 'data', `{"n":${n}}`);
    // Read by member m (as a read whose reply was lost), then 2-0 delivered once more.
    await f.admin.xreadgroup('GROUP', 'g', 'm', 'COUNT', 3, 'STREAMS', key, '>');
    await f.admin.xclaim(key, 'g', 'm', 0, '2-0');
    const pending = new PendingList(f.admin, key, 'g', 'm');

    const { entries, attempts } = await pending.takeUnknown(10, (id) => id === '1-0');
    expect(entries.map(([id]) => id.toString())).toEqual(['2-0', '3-0']);
    expect(attempts).toEqual([3, 2]);
    expect(await pending.takeUnknown(10, () => true)).toEqual({ entries: [], attempts: [] });
  });
});
