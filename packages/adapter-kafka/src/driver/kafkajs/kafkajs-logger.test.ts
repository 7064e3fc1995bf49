import type { Log } from '@switchyard/core/transport';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { logCreatorFor } from './kafkajs-logger.ts';

describe('kafkajs log lines', () => {
  const route = (level: kafkajs.logLevel, message: string, firstConnect = false) => {
    const lines: Array<[string, string, unknown]> = [];
    const log: Log = (lineLevel, text, fields) => void lines.push([lineLevel, text, fields]);
    logCreatorFor(log, () => firstConnect)(kafkajs.logLevel.DEBUG)({
      namespace: 'Connection',
      level,
      label: 'ERROR',
      log: { message, timestamp: 'now', logger: 'kafkajs', stack: 'at x', broker: 'b:1' },
    });
    return lines;
  };

  it('go through the transport log with their namespace and fields, without stacks', () => {
    expect(route(kafkajs.logLevel.ERROR, 'Connection error: ECONNREFUSED')).toEqual([
      ['error', '[Connection] Connection error: ECONNREFUSED', { broker: 'b:1' }],
    ]);
  });

  it('write routine broker error responses and the bounded-retries warning at debug', () => {
    expect(route(kafkajs.logLevel.ERROR, 'Response Metadata(key: 3, version: 6)')[0]![0]).toBe('debug');
    expect(
      route(
        kafkajs.logLevel.WARN,
        'Limiting retries for the idempotent producer may invalidate EoS guarantees',
      )[0]![0],
    ).toBe('debug');
  });

  it('write each attempt to reach a broker at debug until the first connect, and at their level after it', () => {
    for (const message of [
      'Connection error: connect ECONNREFUSED 127.0.0.1:1',
      'Failed to connect to seed broker, trying another broker from the list: Connection error',
      'Connection timeout',
    ]) {
      expect(route(kafkajs.logLevel.ERROR, message, true)[0]![0]).toBe('debug');
      expect(route(kafkajs.logLevel.ERROR, message, false)[0]![0]).toBe('error');
    }
  });
});
