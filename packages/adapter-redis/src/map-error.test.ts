import { describe, expect, it } from 'vitest';
import { isAuthError, safeCause, toEventBusError } from './map-error.ts';

function replyError(message: string, command?: { name: string; args: string[] }): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  if (command !== undefined) Object.assign(error, { command });
  return error;
}

describe('toEventBusError', () => {
  it('maps wrong credentials to AUTHENTICATION_FAILED and drops the command that carried the password', () => {
    const raw = replyError('WRONGPASS invalid username-password pair or user is disabled.', {
      name: 'hello',
      args: ['3', 'AUTH', 'alice', 'hunter2'],
    });
    const error = toEventBusError(raw, { operation: 'connect', server: 'redis://h:1/0' });
    expect(error.code).toBe('AUTHENTICATION_FAILED');
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(
      /^Redis connect \(redis:\/\/h:1\/0\) failed: the server rejected the credentials/,
    );
    const seen = [error.message, String(error.cause), JSON.stringify(error), JSON.stringify(error.cause)];
    expect(seen.join('\n')).not.toContain('hunter2');
    expect((error.cause as { command?: unknown }).command).toBe('hello');
  });

  it.each([
    ['NOAUTH Authentication required.', 'AUTHENTICATION_FAILED', false],
    ["NOPERM this user has no permissions to run the 'xadd' command", 'AUTHORIZATION_FAILED', false],
    ["NOGROUP No such key 'k' or consumer group 'g'", 'TOPIC_NOT_FOUND', true],
    ['UNBLOCKED the stream key no longer exists', 'TOPIC_NOT_FOUND', true],
    ["OOM command not allowed when used memory > 'maxmemory'.", 'PUBLISH_FAILED', true],
    ['LOADING Redis is loading the dataset in memory', 'NOT_CONNECTED', true],
    ["READONLY You can't write against a read only replica.", 'PUBLISH_FAILED', true],
    ['WRONGTYPE Operation against a key holding the wrong kind of value', 'TOPIC_MISMATCH', false],
    ["ERR unknown command 'XAUTOCLAIM'", 'UNSUPPORTED', false],
  ] as const)('maps %s to %s', (message, code, retriable) => {
    const error = toEventBusError(replyError(message), { operation: 'publish', topic: 'orders' });
    expect(error.code).toBe(code);
    expect(error.retriable).toBe(retriable);
    expect(error.message).toContain('topic orders');
  });

  it('maps refused and lost connections', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(toEventBusError(refused, { operation: 'connect' }).code).toBe('CONNECTION_FAILED');
    expect(toEventBusError(new Error('Connection is closed.'), { operation: 'consume' }).code).toBe(
      'NOT_CONNECTED',
    );
    const tls = Object.assign(new Error('self-signed certificate'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const mapped = toEventBusError(tls, { operation: 'connect' });
    expect(mapped.code).toBe('CONNECTION_FAILED');
    expect(mapped.message).toMatch(/tls\.caFile/);
  });

  it('recognises the password errors of requirepass servers too', () => {
    expect(isAuthError(replyError('ERR invalid password'))).toBe(true);
    expect(isAuthError(replyError('ERR syntax error'))).toBe(false);
    expect(isAuthError(new Error('WRONGPASS but not a reply'))).toBe(false);
  });

  it('keeps name, message and code in the safe cause', () => {
    const cause = safeCause(
      Object.assign(new Error('boom'), { code: 'EPIPE', command: { name: 'xadd', args: ['x'] } }),
    );
    expect(cause).toMatchObject({ message: 'boom', code: 'EPIPE', command: 'xadd' });
  });
});
