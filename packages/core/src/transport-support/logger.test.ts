import { describe, expect, it } from 'vitest';
import { createLog } from './logger.ts';

describe('createLog', () => {
  it('writes lines at or above its level, with secrets replaced, to a console-shaped logger', () => {
    const lines: unknown[][] = [];
    const logger = {
      warn: (...args: unknown[]) => lines.push(['warn', ...args]),
      error: (...args: unknown[]) => lines.push(['error', ...args]),
    };
    const log = createLog('kafka', logger, 'warn', ['s3cret-pw']);
    log('info', 'not shown');
    log('warn', 'login failed with s3cret-pw', { password: 's3cret-pw', broker: 'b1' });
    log('error', 'boom');
    expect(lines).toEqual([
      ['warn', '[switchyard:kafka] login failed with ***', { password: '***', broker: 'b1' }],
      ['error', '[switchyard:kafka] boom'],
    ]);
  });

  it('is silent at level silent and survives a throwing sink', () => {
    const throwing = {
      warn: () => {
        throw new Error('sink down');
      },
      error: () => {},
    };
    expect(() => createLog('nats', throwing, 'debug')('warn', 'x')).not.toThrow();
    let called = false;
    createLog('nats', { warn: () => (called = true), error: () => {} }, 'silent')('warn', 'x');
    expect(called).toBe(false);
  });
});
