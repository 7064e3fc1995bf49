import type { ConnectionOptions } from 'node:tls';
import type { TlsOptions } from '@switchyard/core';
import { checkKnownKeys, configError, tlsConnectionOptions } from '@switchyard/core/transport';
import { KAFKA_CHOICES } from './choices.ts';
import type { KafkaSaslOptions } from './options.ts';

export function checkOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw configError(
      field,
      `${JSON.stringify(value)} is not one of ${allowed.map((a) => `'${a}'`).join(', ')}`,
    );
  }
  return value as T;
}

export function checkInteger(field: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw configError(field, `must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

export function checkBrokers(field: string, brokers: unknown): readonly string[] {
  if (!Array.isArray(brokers) || brokers.length === 0)
    throw configError(field, 'must list at least one host:port');
  for (const broker of brokers) {
    const match = typeof broker === 'string' ? HOST_PORT.exec(broker.trim()) : null;
    if (match === null || Number(match[2]) < 1 || Number(match[2]) > 65535) {
      throw configError(field, `${JSON.stringify(broker)} is not host:port`);
    }
  }
  return brokers.map((b: string) => b.trim());
}

const TLS_KEYS = ['ca', 'caFile', 'cert', 'certFile', 'key', 'keyFile', 'servername', 'rejectUnauthorized'];

/** Node's TLS options for `tls` (reading the files it names), or `undefined` for no TLS. */
export function checkTls(field: string, tls: unknown): ConnectionOptions | undefined {
  if (tls === undefined || typeof tls === 'boolean') return tlsConnectionOptions(tls, field);
  if (typeof tls !== 'object' || tls === null)
    throw configError(field, `must be true, false or { ${TLS_KEYS.join(', ')} }`);
  checkKnownKeys(tls, TLS_KEYS, `${field}.`);
  return tlsConnectionOptions(tls as TlsOptions, field);
}

export function checkSasl(field: string, sasl: KafkaSaslOptions | undefined): KafkaSaslOptions | undefined {
  if (sasl === undefined) return undefined;
  if (typeof sasl !== 'object' || sasl === null)
    throw configError(field, 'must be { mechanism, username, password }');
  checkOneOf(`${field}.mechanism`, sasl.mechanism, KAFKA_CHOICES.saslMechanism);
  if (typeof sasl.username !== 'string' || sasl.username.length === 0) {
    throw configError(`${field}.username`, 'must be a non-empty string');
  }
  // Say what is wrong without echoing the value.
  if (typeof sasl.password !== 'string' || sasl.password.length === 0) {
    throw configError(`${field}.password`, 'must be a non-empty string');
  }
  return sasl;
}

export function checkTiers(field: string, tiers: unknown): void {
  if (!Array.isArray(tiers) || tiers.length === 0)
    throw configError(field, 'must list at least one delay in ms');
  let previous = 0;
  for (const tier of tiers) {
    if (typeof tier !== 'number' || !Number.isSafeInteger(tier) || tier <= previous) {
      throw configError(field, `must be ascending positive integers (ms), got ${JSON.stringify(tiers)}`);
    }
    previous = tier;
  }
}
