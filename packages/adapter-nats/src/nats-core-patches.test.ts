import { RequestOne } from '@nats-io/nats-core/internal';
import { describe, expect, it } from 'vitest';
import { patchNatsCore } from './nats-core-patches.ts';

function fakeRequest() {
  const calls: string[] = [];
  const request = Object.create(RequestOne.prototype) as {
    resolver(err: Error | null, msg: unknown): void;
    timer: { cancel(): void };
    deferred: { resolve(v: unknown): void; reject(e: unknown): void };
    mux: { cancel(r: unknown): void };
  };
  request.timer = { cancel: () => calls.push('timer.cancel') };
  request.deferred = {
    resolve: (v) => calls.push(`resolve ${String(v)}`),
    reject: (e) => calls.push(`reject ${(e as Error).message}`),
  };
  request.mux = { cancel: () => calls.push('mux.cancel') };
  return { request, calls };
}

describe('nats-core request patch', () => {
  it('settles a reply without building a discarded "cancelled" error', () => {
    expect(patchNatsCore()).toBe(true);
    const { request, calls } = fakeRequest();
    request.resolver(null, 'ack');
    expect(calls).toEqual(['timer.cancel', 'resolve ack', 'mux.cancel']);
  });

  it('leaves the error path as upstream wrote it', () => {
    patchNatsCore();
    const { request, calls } = fakeRequest();
    request.resolver(new Error('no responders'), undefined);
    expect(calls[0]).toBe('timer.cancel');
    expect(calls).toContain('reject no responders');
    expect(calls).toContain('mux.cancel');
  });
});
