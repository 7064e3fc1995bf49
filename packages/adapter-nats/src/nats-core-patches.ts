import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { MuxSubscription, RequestOne, Subscriptions } from '@nats-io/nats-core/internal';
import { DictionaryMap } from './dictionary-map.ts';

/*
 * Three patches, applied once, to nats-core 3.4.0 only.
 *
 * @nats-io/nats-core 3.4.0 settles every request — each JetStream publish ack is one — by calling
 * `cancel()`, which builds `new RequestError("cancelled")` (capturing a stack trace) only to reject
 * a promise that is already settled, a no-op, yet a visible share of the publisher's CPU
 * (docs/internals/nats-publish-path.md). After settling, this resolver does what `cancel()`
 * does — stop the timer, leave the mux — without the discarded error. `cancel()` itself, used for
 * real cancellations, is unchanged.
 *
 * Its table of requests awaiting a reply (`MuxSubscription.reqs`, one entry per JetStream publish
 * until its ack) and its subscriptions by sid (`Subscriptions.subs`, one entry per pull of a
 * subscriber) are Maps; each becomes a `DictionaryMap` (dictionary-map.ts says why): the requests
 * when the connection sets up its request inbox, before the first request is added, the
 * subscriptions at the first one added.
 */
const require = createRequire(import.meta.url);

interface RequestOneLike {
  timer?: { cancel(): void };
  ctx?: Error & { cause?: unknown };
  deferred: { resolve(value: unknown): void; reject(error: unknown): void };
  mux: { cancel(request: unknown): void };
}

interface MuxLike {
  reqs: Map<string, unknown> | DictionaryMap<string, unknown>;
}

interface SubscriptionsLike {
  subs: Map<number, unknown> | DictionaryMap<number, unknown>;
}

let applied: boolean | undefined;

export function patchNatsCore(): boolean {
  if (applied !== undefined) return applied;
  // The package exports no ./package.json: read it beside the resolved entry (lib/mod.js).
  const manifest = join(dirname(require.resolve('@nats-io/nats-core')), '..', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  applied = version === '3.4.0';
  if (!applied) return false;
  const init = MuxSubscription.prototype.init as (this: MuxLike, prefix?: string) => string;
  MuxSubscription.prototype.init = function initWithTable(this: MuxLike, prefix?: string): string {
    if (this.reqs instanceof Map && this.reqs.size === 0) this.reqs = new DictionaryMap();
    return init.call(this, prefix);
  };
  const add = Subscriptions.prototype.add as (this: SubscriptionsLike, s: unknown) => unknown;
  Subscriptions.prototype.add = function addToTable(this: SubscriptionsLike, s: unknown): unknown {
    if (this.subs instanceof Map) {
      const table = new DictionaryMap<number, unknown>();
      for (const [sid, sub] of this.subs) table.set(sid, sub);
      this.subs = table;
    }
    return add.call(this, s);
  } as typeof Subscriptions.prototype.add;
  const original = RequestOne.prototype.resolver as (
    this: RequestOneLike,
    err: Error | null,
    msg: unknown,
  ) => void;
  RequestOne.prototype.resolver = function resolver(
    this: RequestOneLike,
    err: Error | null,
    msg: unknown,
  ): void {
    if (err) {
      original.call(this, err, msg); // the rare error path stays exactly as upstream wrote it
      return;
    }
    this.timer?.cancel();
    this.deferred.resolve(msg);
    this.mux.cancel(this);
  };
  return true;
}

interface WithProtocol {
  protocol?: { flushPending?: () => void };
}

/**
 * Writes what nats.js buffered for the socket now. nats.js writes its outbound buffer a microtask
 * after the first command of a tick, or at once when it passes 32 KiB; publishes made in the middle
 * of a caller's synchronous burst therefore waited until the whole burst was built. `flushPending`
 * is what nats.js itself calls at that threshold (a no-op while disconnected or with nothing
 * buffered); a connection without it is left to nats.js's own timing.
 */
export function flushOutbound(nc: NatsConnection): void {
  (nc as unknown as WithProtocol).protocol?.flushPending?.();
}
