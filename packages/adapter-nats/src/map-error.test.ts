import { JetStreamApiError } from '@nats-io/jetstream';
import { errors } from '@nats-io/nats-core';
import { EventBusError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { toEventBusError } from './map-error.ts';

const publish = { operation: 'publish', topic: 'orders' } as const;

function apiError(code: number, description: string, status = 400): JetStreamApiError {
  return new JetStreamApiError({ err_code: code, code: status, description });
}

describe('toEventBusError', () => {
  it('keeps an EventBusError as it is', () => {
    const original = new EventBusError('BUFFER_FULL', 'full');
    expect(toEventBusError(original, publish)).toBe(original);
  });

  it.each([
    [new errors.AuthorizationError('Authorization Violation'), 'connect', 'AUTHENTICATION_FAILED', false],
    [new errors.ConnectionError('CONNECTION_REFUSED'), 'connect', 'CONNECTION_FAILED', true],
    [new errors.TimeoutError(), 'connect', 'CONNECTION_FAILED', true],
    [new errors.TimeoutError(), 'publish', 'TIMEOUT', true],
    [new errors.ClosedConnectionError(), 'publish', 'CLOSED', false],
    [
      new errors.PermissionViolationError('denied', 'publish', 'orders'),
      'publish',
      'AUTHORIZATION_FAILED',
      false,
    ],
    [
      new errors.InvalidArgumentError('payload max_payload size exceeded'),
      'publish',
      'EVENT_TOO_LARGE',
      false,
    ],
    [
      new errors.InvalidArgumentError("'header' values cannot contain \\r or \\n"),
      'publish',
      'INVALID_EVENT',
      false,
    ],
    [new errors.RequestError('connection disconnected'), 'close', 'CONNECTION_FAILED', true],
    [
      new errors.RequestError('503', { cause: new errors.NoRespondersError('orders') }),
      'publish',
      'PUBLISH_FAILED',
      true,
    ],
    [apiError(10059, 'stream not found', 404), 'topic-admin', 'TOPIC_NOT_FOUND', false],
    [apiError(10065, 'subjects overlap with an existing stream'), 'topic-admin', 'TOPIC_MISMATCH', false],
    [
      apiError(10058, 'stream name already in use with a different configuration'),
      'topic-admin',
      'TOPIC_MISMATCH',
      false,
    ],
    [apiError(10054, 'message size exceeds maximum allowed'), 'publish', 'EVENT_TOO_LARGE', false],
    [apiError(10077, 'maximum messages exceeded', 503), 'publish', 'PUBLISH_FAILED', true],
    [apiError(10076, 'jetstream not enabled', 503), 'topic-admin', 'UNSUPPORTED', false],
    [
      Object.assign(new Error('unable to verify the first certificate'), {
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      }),
      'connect',
      'CONNECTION_FAILED',
      false,
    ],
    [
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'connect',
      'CONNECTION_FAILED',
      true,
    ],
    [new Error('something odd'), 'consume', 'INTERNAL', false],
  ] as const)('maps %s during %s to %s (retriable %s)', (error, operation, code, retriable) => {
    const mapped = toEventBusError(error, { operation, topic: 'orders' });
    expect(mapped.code).toBe(code);
    expect(mapped.retriable).toBe(retriable);
    expect(mapped.cause).toBe(error);
    expect(mapped.message).toMatch(new RegExp(`^NATS ${operation} on topic orders failed`));
  });

  it('marks a failed publish that nothing answered so the stream is looked up again', () => {
    const mapped = toEventBusError(
      Object.assign(new Error('jetstream is not enabled'), { name: 'JetStreamNotEnabled' }),
      publish,
    );
    expect(mapped.details.noResponders).toBe(true);
    expect(mapped.retriable).toBe(true);
  });
});
