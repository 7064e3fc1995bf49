import type { MsgHdrs } from '@nats-io/nats-core';

/** The CloudEvents binary-mode header prefix of the NATS protocol binding. */
export const HEADER_PREFIX = 'ce-';
const KEY_HEADER = `${HEADER_PREFIX}partitionkey`;

/**
 * Wire headers of a received message as the port expects them: one string per name, without the
 * `Nats-*` headers that JetStream itself adds or reads (`Nats-Msg-Id`, …).
 */
export function fromNatsHeaders(headers: MsgHdrs | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (headers === undefined) return result;
  for (const name of headers.keys()) {
    if (name.startsWith('Nats-')) continue;
    result[name] = headers.get(name);
  }
  return result;
}

/** The ordering key travels as the CloudEvents partitioning extension. */
export function keyOf(headers: Readonly<Record<string, string>>): string | undefined {
  return headers[KEY_HEADER];
}
