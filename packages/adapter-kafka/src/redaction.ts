import { inspect } from 'node:util';
import { redactSecrets } from '@switchyard/core/transport';
import type { ResolvedKafkaOptions } from './options/options.ts';

/** Replaces the transport's secrets in a text with `***`. */
export type Redact = (text: string) => string;

/**
 * A redactor for these secrets. The secrets live only in its closure, so an object that holds it
 * (a producer, a consumer context) prints `[Function]`, never the secrets.
 */
export function redactorFor(secrets: ReadonlyArray<string | undefined>): Redact {
  const kept = secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
  if (kept.length === 0) return (text) => text;
  return (text) => redactSecrets(text, kept);
}

/**
 * `error` as it may travel as an error's `cause`: itself when printing it (its message, stack and
 * nested causes) shows no secret, else a plain Error carrying that print-out redacted.
 */
export function redactedCause(error: unknown, redact: Redact): unknown {
  const shown = inspect(error, { depth: 8 });
  const clean = redact(shown);
  return clean === shown ? error : new Error(clean);
}

/** The credentials among the options: the SASL password and any TLS private key or passphrase. */
export function credentialsOf(options: ResolvedKafkaOptions): string[] {
  const found: string[] = [];
  if (options.sasl !== undefined) found.push(options.sasl.password);
  if (options.tls !== undefined) {
    const { key, passphrase, pfx } = options.tls;
    for (const value of [key, passphrase, pfx].flat()) {
      if (typeof value === 'string') found.push(value);
      else if (Buffer.isBuffer(value)) found.push(value.toString('utf8'));
    }
  }
  return found;
}

/**
 * What printing the transport shows (`console.log`, `util.inspect`, `JSON.stringify`): where it
 * connects and how, with every credential replaced by `***`.
 */
export function printable(options: ResolvedKafkaOptions, state: string): Record<string, unknown> {
  return {
    name: 'kafka',
    state,
    brokers: options.brokers,
    clientId: options.clientId,
    driver: options.driver,
    groupProtocol: options.groupProtocol,
    preset: options.preset,
    profile: options.profile,
    tls: options.tls !== undefined,
    ...(options.sasl === undefined
      ? {}
      : { sasl: { mechanism: options.sasl.mechanism, username: options.sasl.username, password: '***' } }),
  };
}
