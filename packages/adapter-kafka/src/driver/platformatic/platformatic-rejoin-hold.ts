import { findErrorBy, kGetApi } from '@platformatic/kafka';

type Callback = (error: unknown, result?: unknown) => void;
type Api = (...args: unknown[]) => unknown;
type GetApi = (name: string, callback: (error: unknown, api?: Api) => void) => void;

/**
 * @platformatic/kafka rejoins a rebalancing group as soon as a heartbeat answers
 * REBALANCE_IN_PROGRESS, and a commit sent after its JoinGroup is refused. So the client's
 * Heartbeat API is wrapped here (its `kGetApi`, on this client only): such an answer reaches the
 * client only once `beforeRejoin()` has settled — the member's last commit of the generation, after
 * the handlers running when the rebalance started (as Java's consumer commits in
 * onPartitionsRevoked before it sends JoinGroup). `beforeRejoin` returns undefined to let the answer
 * through at once. A rebalance the client learns of another way (a refused commit or fetch) rejoins
 * at once, as before.
 */
export function holdRejoinOnRebalance(
  client: object,
  beforeRejoin: () => Promise<unknown> | undefined,
): void {
  const target = client as unknown as Record<symbol, GetApi | undefined>;
  const original = target[kGetApi];
  if (typeof original !== 'function') return; // not the client this was written against
  const getApi = original.bind(client);
  target[kGetApi] = (name, callback) => {
    if (name !== 'Heartbeat') {
      getApi(name, callback);
      return;
    }
    getApi(name, (error, api) => {
      if (error || api === undefined) {
        callback(error);
        return;
      }
      callback(null, (...args: unknown[]) => {
        const answer = args.pop() as Callback;
        return api(...args, (heartbeatError: unknown, result?: unknown) => {
          const hold =
            heartbeatError !== null &&
            heartbeatError !== undefined &&
            findErrorBy(heartbeatError as Error, 'rebalanceInProgress', true) !== null
              ? beforeRejoin()
              : undefined;
          if (hold === undefined) answer(heartbeatError, result);
          else {
            const release = () => answer(heartbeatError, result);
            hold.then(release, release);
          }
        });
      });
    });
  };
}
