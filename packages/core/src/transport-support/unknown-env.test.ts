import { describe, expect, it } from 'vitest';
import { warnUnknownEnv } from './unknown-env.ts';

const KNOWN = ['SWITCHYARD_KAFKA_LINGER_MS', 'SWITCHYARD_KAFKA_PRESET', 'SWITCHYARD_KAFKA_BROKERS'];

describe('warnUnknownEnv', () => {
  it('names a misspelt variable and the one it probably meant, once per process', () => {
    const said: string[] = [];
    const env = { SWITCHYARD_KAFKA_LINGER: '5', SWITCHYARD_KAFKA_PRESET: 'latency', PATH: '/bin' };
    warnUnknownEnv(env, 'SWITCHYARD_KAFKA_', KNOWN, (m) => said.push(m));
    warnUnknownEnv(env, 'SWITCHYARD_KAFKA_', KNOWN, (m) => said.push(m));
    expect(said).toEqual([
      'SWITCHYARD_KAFKA_LINGER is set, but Switchyard reads no such variable, so it has no effect: did you mean SWITCHYARD_KAFKA_LINGER_MS?',
    ]);
  });

  it('points to the README when nothing known is close', () => {
    const said: string[] = [];
    warnUnknownEnv({ SWITCHYARD_KAFKA_SOMETHING_ELSE_ENTIRELY: '1' }, 'SWITCHYARD_KAFKA_', KNOWN, (m) =>
      said.push(m),
    );
    expect(said).toEqual([
      "SWITCHYARD_KAFKA_SOMETHING_ELSE_ENTIRELY is set, but Switchyard reads no such variable, so it has no effect: the SWITCHYARD_KAFKA_* variables it reads are listed in the adapter's README",
    ]);
  });

  it('says nothing about known variables, other prefixes or unset ones', () => {
    const said: string[] = [];
    warnUnknownEnv(
      { SWITCHYARD_KAFKA_PRESET: 'durable', SWITCHYARD_NATS_FOO: '1', SWITCHYARD_KAFKA_UNSET: undefined },
      'SWITCHYARD_KAFKA_',
      KNOWN,
      (m) => said.push(m),
    );
    expect(said).toEqual([]);
  });
});
