import { kGetApi, MultipleErrors, ProtocolError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { holdRejoinOnRebalance } from './platformatic-rejoin-hold.ts';

type Answer = (error: unknown, result?: unknown) => void;

/** A client whose APIs answer as told: `heartbeat` is what the Heartbeat API answers. */
function fakeClient(heartbeat: unknown) {
  const client = {
    [kGetApi](_name: string, callback: (error: unknown, api?: (...args: unknown[]) => void) => void) {
      callback(null, (...args: unknown[]) =>
        (args.at(-1) as Answer)(heartbeat, heartbeat === null ? 'ok' : undefined),
      );
    },
  };
  /** Asks the API as the client does (connection, group, generation, member, instance, callback). */
  const ask = (name: string) =>
    new Promise<unknown>((resolve) => {
      (client[kGetApi] as (n: string, cb: (e: unknown, api?: (...a: unknown[]) => void) => void) => void)(
        name,
        (_error, api) => api!('connection', 'group', 1, 'member', null, (error: unknown) => resolve(error)),
      );
    });
  return { client, ask };
}

const rebalancing = () =>
  new MultipleErrors('Heartbeat failed.', [new ProtocolError('REBALANCE_IN_PROGRESS')]);

describe('holding a rebalance answer until the member committed', () => {
  it('hands a heartbeat answer REBALANCE_IN_PROGRESS to the client only once the work settles', async () => {
    const { client, ask } = fakeClient(rebalancing());
    let finish!: () => void;
    let asked = 0;
    holdRejoinOnRebalance(client, () => {
      asked++;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    });
    let answered = false;
    const answer = ask('Heartbeat').then((error) => {
      answered = true;
      return error;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect([asked, answered]).toEqual([1, false]);
    finish();
    expect(await answer).toBeInstanceOf(MultipleErrors); // the client still sees it, and rejoins
  });

  it('passes every other answer, and other APIs, straight through', async () => {
    let asked = 0;
    const hold = () => {
      asked++;
      return new Promise<void>(() => {});
    };
    const ok = fakeClient(null);
    holdRejoinOnRebalance(ok.client, hold);
    expect(await ok.ask('Heartbeat')).toBeNull();
    const unknown = fakeClient(new ProtocolError('UNKNOWN_MEMBER_ID'));
    holdRejoinOnRebalance(unknown.client, hold);
    expect(await unknown.ask('Heartbeat')).toBeInstanceOf(ProtocolError);
    const commit = fakeClient(rebalancing());
    holdRejoinOnRebalance(commit.client, hold);
    expect(await commit.ask('OffsetCommit')).toBeInstanceOf(MultipleErrors);
    expect(asked).toBe(0);
  });

  it('lets the answer through at once when the member has nothing to wait for', async () => {
    const { client, ask } = fakeClient(rebalancing());
    holdRejoinOnRebalance(client, () => undefined);
    expect(await ask('Heartbeat')).toBeInstanceOf(MultipleErrors);
  });
});
