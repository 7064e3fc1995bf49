import { type NatsConnection, headers as natsHeaders } from '@nats-io/nats-core';
import type { OutboundMessage, SendOutcome } from '@switchyard/core/transport';
import { toEventBusError } from './map-error.ts';

/**
 * Publishes to ephemeral topics over core NATS. There is no acknowledgement; one flush
 * (PING/PONG) per batch at least confirms the server read it, and surfaces a dead connection.
 * The receipt is empty: nothing was stored.
 */
export async function publishEphemeral(
  nc: NatsConnection,
  messages: readonly OutboundMessage[],
): Promise<SendOutcome[]> {
  const outcomes = messages.map((message): SendOutcome => {
    try {
      const headers = natsHeaders();
      for (const name in message.headers) headers.set(name, message.headers[name]!);
      nc.publish(message.topic, message.value, { headers });
      return { ok: true, receipt: {} };
    } catch (error) {
      return { ok: false, error: toEventBusError(error, { operation: 'publish', topic: message.topic }) };
    }
  });
  try {
    await nc.flush();
  } catch (error) {
    return messages.map((message, i) =>
      outcomes[i]!.ok
        ? { ok: false, error: toEventBusError(error, { operation: 'publish', topic: message.topic }) }
        : outcomes[i]!,
    );
  }
  return outcomes;
}
