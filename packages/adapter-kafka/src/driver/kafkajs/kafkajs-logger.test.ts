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
      [
        'error',
        '[Connection] Connection error: ECONNREFUSED (more attempts to reach a broker in the next 30 s are logged at debug)',
        { broker: 'b:1' },
      ],
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
      'Closed connection', // a listener that wants TLS closes a plaintext connection at once
    ]) {
      expect(route(kafkajs.logLevel.ERROR, message, true)[0]![0]).toBe('debug');
      expect(route(kafkajs.logLevel.ERROR, message, false)[0]![0]).toBe('error');
    }
  });

  it('after the first connect, write one attempt to reach a broker at its level per 30 s, the rest at debug', () => {
    let clock = 0;
    const levels: string[] = [];
    const texts: string[] = [];
    const log: Log = (level, text) => {
      levels.push(level);
      texts.push(text);
    };
    const write = logCreatorFor(
      log,
      () => false,
      () => clock,
    )(kafkajs.logLevel.DEBUG);
    const attempt = (message: string) =>
      write({
        namespace: 'Connection',
        level: kafkajs.logLevel.ERROR,
        label: 'ERROR',
        log: { message } as never,
      });
    attempt('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    for (let n = 0; n < 10; n++) {
      clock += 100;
      attempt('Failed to connect to seed broker, trying another broker from the list: Connection error');
    }
    clock += 30_000;
    attempt('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(levels).toEqual(['error', ...Array(10).fill('debug'), 'error']);
    expect(texts[0]).toMatch(/logged at debug/);
  });
});
