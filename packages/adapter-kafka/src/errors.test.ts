import { inspect } from 'node:util';
import {
  AuthenticationError,
  MultipleErrors,
  NetworkError,
  ProtocolError,
  TimeoutError,
  UserError,
} from '@platformatic/kafka';
import { EventBusError } from '@switchyard/core';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { toEventBusError } from './errors.ts';
import { redactorFor } from './redaction.ts';

const {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSNonRetriableError,
} = kafkajs;

/** kafkajs' typings declare fewer constructor arguments than its classes take. */
const make = (ctor: unknown, ...args: unknown[]): Error =>
  new (ctor as new (...a: unknown[]) => Error)(...args);

const protocol = (type: string, retriable = false) =>
  new KafkaJSProtocolError({ type, code: 1, retriable, message: `broker says ${type}` } as never);

describe('toEventBusError', () => {
  it('maps a refused connection under the retry wrapper to CONNECTION_FAILED, retriable', () => {
    const root = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9', {
      broker: '127.0.0.1:9',
      code: 'ECONNREFUSED',
    });
    const wrapped = new KafkaJSNumberOfRetriesExceeded(root, { retryCount: 5, retryTime: 100 });
    const error = toEventBusError(wrapped, { operation: 'connect' });
    expect(error).toBeInstanceOf(EventBusError);
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.retriable).toBe(true);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.cause).toBe(wrapped);
  });

  it('maps SASL failures to AUTHENTICATION_FAILED and never repeats the password', () => {
    const root = make(
      KafkaJSSASLAuthenticationError,
      'SASL PLAIN authentication failed: bad password hunter2-secret',
    );
    const error = toEventBusError(root, { operation: 'connect', redact: redactorFor(['hunter2-secret']) });
    expect(error.code).toBe('AUTHENTICATION_FAILED');
    expect(error.retriable).toBe(false);
    expect(error.message).not.toContain('hunter2-secret');
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('hunter2-secret');
    expect(toEventBusError(protocol('SASL_AUTHENTICATION_FAILED'), { operation: 'connect' }).code).toBe(
      'AUTHENTICATION_FAILED',
    );
  });

  it.each([
    ['ILLEGAL_SASL_STATE', /listener .* does not take SASL/],
    ['UNSUPPORTED_SASL_MECHANISM', /does not enable this SASL mechanism/],
    ['SASL_AUTHENTICATION_FAILED', /Check the SASL mechanism, username and password/],
  ])('says what %s most likely means', (type, hint) => {
    // SASL against a plaintext listener answered ILLEGAL_SASL_STATE and was told to check the password.
    const error = toEventBusError(protocol(type), { operation: 'connect' });
    expect(error.code).toBe('AUTHENTICATION_FAILED');
    expect(error.message).toMatch(hint);
  });

  it('maps broker protocol errors by type', () => {
    const cases: Array<[string, string, boolean]> = [
      ['TOPIC_AUTHORIZATION_FAILED', 'AUTHORIZATION_FAILED', false],
      ['GROUP_AUTHORIZATION_FAILED', 'AUTHORIZATION_FAILED', false],
      ['MESSAGE_TOO_LARGE', 'EVENT_TOO_LARGE', false],
      ['RECORD_LIST_TOO_LARGE', 'EVENT_TOO_LARGE', false],
      ['UNKNOWN_TOPIC_OR_PARTITION', 'TOPIC_NOT_FOUND', true],
      ['INVALID_TOPIC_EXCEPTION', 'INVALID_TOPIC', false],
      ['INVALID_REPLICATION_FACTOR', 'INVALID_CONFIG', false],
      ['REQUEST_TIMED_OUT', 'TIMEOUT', true],
      ['NOT_ENOUGH_REPLICAS', 'PUBLISH_FAILED', true],
    ];
    for (const [type, code, retriable] of cases) {
      const error = toEventBusError(protocol(type, retriable), { operation: 'publish', topic: 'orders' });
      expect([type, error.code, error.retriable]).toEqual([type, code, retriable]);
      expect(error.message).toContain('"orders"');
      expect(error.details.kafkaError).toBe(type);
    }
  });

  it('maps client timeouts and unsupported protocol versions', () => {
    expect(
      toEventBusError(new KafkaJSRequestTimeoutError('Request Produce timed out'), { operation: 'publish' })
        .code,
    ).toBe('TIMEOUT');
    expect(
      toEventBusError(
        new (KafkaJSServerDoesNotSupportApiKey as unknown as new (m: string) => Error)('no such api'),
        { operation: 'admin' },
      ).code,
    ).toBe('UNSUPPORTED');
  });

  it('treats TLS handshake failures as non-retriable connection failures', () => {
    const tls = new KafkaJSConnectionError('self-signed certificate', {
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    } as never);
    const error = toEventBusError(make(KafkaJSNonRetriableError, tls, { cause: tls }), {
      operation: 'connect',
    });
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/TLS/);
  });

  it('explains a connection the broker closes at once by what the client did not bring', () => {
    const closed = () =>
      make(
        (kafkajs as unknown as Record<string, unknown>).KafkaJSConnectionClosedError,
        'Closed connection',
        { host: 'h', port: 1 },
      );
    const tlsOnly = toEventBusError(closed(), { operation: 'connect', security: { tls: true, sasl: false } });
    expect(tlsOnly).toMatchObject({ code: 'CONNECTION_FAILED', retriable: true });
    expect(tlsOnly.message).toMatch(/during or after the TLS handshake.*needs SASL credentials/);
    const plain = toEventBusError(closed(), { operation: 'connect', security: { tls: false, sasl: false } });
    expect(plain.message).toMatch(/needs TLS .* and SASL credentials/);
    const both = toEventBusError(closed(), { operation: 'connect', security: { tls: true, sasl: true } });
    expect(both.message).not.toMatch(/probably/);
  });

  it('falls back by operation and keeps the client’s retriable flag', () => {
    expect(toEventBusError(new Error('boom'), { operation: 'publish' })).toMatchObject({
      code: 'PUBLISH_FAILED',
      retriable: false,
    });
    expect(toEventBusError('weird', { operation: 'consume' })).toMatchObject({ code: 'INTERNAL' });
  });

  it('passes an EventBusError through unchanged', () => {
    const original = new EventBusError('BUFFER_FULL', 'full');
    expect(toEventBusError(original, { operation: 'publish' })).toBe(original);
  });

  it('keeps secrets out of inspected output too', () => {
    const error = toEventBusError(new Error('auth for alice:pa55word-long failed'), {
      operation: 'connect',
      redact: redactorFor(['pa55word-long']),
    });
    expect(inspect(error, { depth: Number.POSITIVE_INFINITY })).not.toContain('pa55word-long');
    expect(redactorFor(['secret'])('a secret b secret')).toBe('a *** b ***');
  });

  describe('with @platformatic/kafka errors', () => {
    const wrapped = (inner: Error) =>
      new MultipleErrors('metadata failed 3 times.', [
        new MultipleErrors('Cannot connect to any broker.', [
          new NetworkError('Connection to 127.0.0.1:9096 failed.', { cause: inner }),
        ]),
      ]);

    it('finds the broker’s answer under the retry and network wrappers', () => {
      const auth = wrapped(
        new AuthenticationError('SASL authentication failed.', {
          cause: new ProtocolError('SASL_AUTHENTICATION_FAILED'),
        }),
      );
      expect(toEventBusError(auth, { operation: 'connect' })).toMatchObject({
        code: 'AUTHENTICATION_FAILED',
        retriable: false,
        details: { kafkaError: 'SASL_AUTHENTICATION_FAILED' },
      });
      expect(toEventBusError(new ProtocolError('MESSAGE_TOO_LARGE'), { operation: 'publish' }).code).toBe(
        'EVENT_TOO_LARGE',
      );
    });

    it('maps a refused connection to CONNECTION_FAILED, retriable, and a closed one to the listener hint', () => {
      const refused = wrapped(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
      );
      expect(toEventBusError(refused, { operation: 'connect' })).toMatchObject({
        code: 'CONNECTION_FAILED',
        retriable: true,
      });
      const closed = wrapped(
        new AuthenticationError('Cannot find a suitable SASL mechanism.', {
          cause: new NetworkError('Connection closed'),
        }),
      );
      const error = toEventBusError(closed, { operation: 'connect', security: { tls: false, sasl: true } });
      expect(error.code).toBe('CONNECTION_FAILED');
      expect(error.message).toMatch(/needs TLS/);
    });

    it('reads the client’s "Unknown topic" user error as UNKNOWN_TOPIC_OR_PARTITION', () => {
      expect(toEventBusError(new UserError('Unknown topic orders.'), { operation: 'publish' })).toMatchObject(
        {
          code: 'TOPIC_NOT_FOUND',
        },
      );
      expect(toEventBusError(new TimeoutError('Request timed out.'), { operation: 'publish' }).code).toBe(
        'TIMEOUT',
      );
    });
  });
});
