import { describe, expect, it } from 'vitest';
import { EventBusError, isEventBusError } from '../errors.ts';
import { ConnectBackoff } from './connect-backoff.ts';

describe('ConnectBackoff', () => {
  const denied = new EventBusError('AUTHENTICATION_FAILED', 'NATS refused the credentials of user "app"');

  it('fails at once with the last error while it waits, doubling the wait up to the maximum', () => {
    const backoff = new ConnectBackoff({ initialMs: 100, maxMs: 250 });
    expect(backoff.blocked(0)).toBeUndefined();
    backoff.failed(denied, 0);
    const early = backoff.blocked(50);
    expect(isEventBusError(early, 'AUTHENTICATION_FAILED')).toBe(true);
    expect(early!.message).toMatch(/not tried again for 50 ms: backing off after 1 failed connect\)/);
    expect(backoff.blocked(100)).toBeUndefined();
    backoff.failed(denied, 100);
    expect(backoff.blocked(299)).toBeDefined();
    expect(backoff.blocked(300)).toBeUndefined();
    backoff.failed(denied, 300);
    expect(backoff.blocked(549)).toBeDefined(); // 400 capped at 250
    expect(backoff.blocked(550)).toBeUndefined();
  });

  it('forgets the failures after a connect succeeds', () => {
    const backoff = new ConnectBackoff({ initialMs: 100 });
    backoff.failed(denied, 0);
    backoff.succeeded();
    expect(backoff.blocked(1)).toBeUndefined();
    expect(backoff.report).toBeUndefined();
  });

  it('runs a connect attempt through the wait: the outcome is recorded, and a blocked attempt does not run', async () => {
    const backoff = new ConnectBackoff({ initialMs: 60_000 });
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const asError = (error: unknown) => new EventBusError('CONNECTION_FAILED', String(error));
    await expect(backoff.attempt(() => Promise.reject(refused), asError)).rejects.toBe(refused);
    let opened = 0;
    const blocked = await backoff.attempt(async () => ++opened, asError).catch((e: unknown) => e);
    expect(opened).toBe(0);
    expect(isEventBusError(blocked, 'CONNECTION_FAILED')).toBe(true);
    expect((blocked as Error).message).toMatch(/ECONNREFUSED.*backing off after 1 failed connect/);
    backoff.succeeded();
    await expect(backoff.attempt(async () => ++opened, asError)).resolves.toBe(1);
    expect(backoff.report).toBeUndefined();
  });
});
