import { describe, expect, it } from 'vitest';
import { configError, isEventBusError as isError, isEventBusError } from './errors.ts';
import {
  checkAtLeast,
  checkKnownKeys,
  checkPositive,
  checkWholeAtLeast,
  parseEnvValue,
  restateForEnv,
} from './option-checks.ts';

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('option checks', () => {
  it('name the field and repeat the bad value', () => {
    const error = errorOf(() => checkPositive('timeoutMs', 0));
    expect(isEventBusError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toBe('Invalid option `timeoutMs`: must be a number > 0, got 0');
    expect(errorOf(() => checkAtLeast('waitMs', -1, 0))).toBeDefined();
    expect(errorOf(() => checkAtLeast('waitMs', Number.POSITIVE_INFINITY, 0))).toBeDefined();
    expect(errorOf(() => checkWholeAtLeast('count', 1.5, 1))).toBeDefined();
    expect(errorOf(() => checkWholeAtLeast('count', -2, -1))).toBeDefined();
  });

  it('reject an unknown key, naming it and the known ones', () => {
    const error = errorOf(() =>
      checkKnownKeys({ url: 'x', conectTimeoutMs: 1 }, ['url', 'connectTimeoutMs'], ''),
    );
    expect((error as Error).message).toBe(
      'Invalid option `conectTimeoutMs`: unknown option; known ones are url, connectTimeoutMs. Did you mean `connectTimeoutMs`?',
    );
    expect((errorOf(() => checkKnownKeys({ bogus: 1 }, ['url'], '')) as Error).message).toBe(
      'Invalid option `bogus`: unknown option; known ones are url',
    );
    expect(errorOf(() => checkKnownKeys({ maxAge: 1 }, ['maxAgeMs'], 'topicDefaults.'))).toMatchObject({
      details: { field: 'topicDefaults.maxAge' },
    });
    expect(errorOf(() => checkKnownKeys('x', ['a'], 'tls.'))).toMatchObject({ details: { field: 'tls' } });
  });

  it('name the option another client calls by the unknown name, with its place', () => {
    const error = errorOf(() =>
      checkKnownKeys({ pass: 's3cret' }, ['user', 'password'], 'auth.', { pass: 'password' }),
    );
    expect((error as Error).message).toMatch(/Did you mean `auth\.password`\?$/);
    expect((error as Error).message).not.toContain('s3cret');
    // a name of Object.prototype is not a mapping
    expect((errorOf(() => checkKnownKeys({ toString: 1 }, ['url'], '', {})) as Error).message).not.toContain(
      'Did you',
    );
  });

  it('accept what they promise', () => {
    checkKnownKeys({ url: 'x' }, ['url', 'db'], '');
    checkPositive('a', 0.5);
    checkAtLeast('b', 0, 0);
    checkWholeAtLeast('c', -1, -1);
  });
});

describe('parseEnvValue', () => {
  it('reads numbers, booleans, lists and text', () => {
    expect(parseEnvValue('X', 'number', '250')).toBe(250);
    expect(parseEnvValue('X', 'boolean', 'Yes')).toBe(true);
    expect(parseEnvValue('X', 'boolean', 'off')).toBe(false);
    expect(parseEnvValue('X', 'list', ' a, b,,c ')).toEqual(['a', 'b', 'c']);
    expect(parseEnvValue('X', 'string', 'text')).toBe('text');
  });

  it('fails naming the variable', () => {
    const error = errorOf(() => parseEnvValue('SWITCHYARD_X_MS', 'number', 'ten'));
    expect((error as Error).message).toBe('Invalid option `SWITCHYARD_X_MS`: must be a number, got "ten"');
    expect(errorOf(() => parseEnvValue('SWITCHYARD_X', 'boolean', 'maybe'))).toBeDefined();
  });
});

describe('restateForEnv', () => {
  it('names the variable that set the bad option', () => {
    const error = restateForEnv(configError('port', 'must be a whole number, got 0'), (field) =>
      field === 'port' ? 'SWITCHYARD_X_PORT' : undefined,
    );
    expect(isError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toBe(
      'Invalid option `SWITCHYARD_X_PORT`: must be a whole number, got 0',
    );
  });

  it('keeps other errors as they are', () => {
    const other = new Error('boom');
    expect(restateForEnv(other, () => 'X')).toBe(other);
    const unset = configError('host', 'bad');
    expect(restateForEnv(unset, () => undefined)).toBe(unset);
  });
});
