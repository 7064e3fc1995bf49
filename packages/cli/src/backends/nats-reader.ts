import {
  DeliverPolicy,
  type JetStreamClient,
  type JsMsg,
  type OrderedConsumerOptions,
} from '@nats-io/jetstream';
import type { OnRecord, RawRecord, ReadOptions } from './backend.ts';

/**
 * Reads a topic through an ordered consumer: ephemeral, no acknowledgements, in memory on the
 * server, deleted when the read ends (and by the server 30 s after a killed process stops asking).
 * The groups' durable consumers never see it.
 */
export async function readNatsTopic(
  js: JetStreamClient,
  stream: string,
  lastSequence: number,
  topic: string,
  options: ReadOptions,
  onRecord: OnRecord,
): Promise<void> {
  const settings: Partial<OrderedConsumerOptions> = { filter_subjects: topic, inactive_threshold: 30_000 };
  if (options.from.kind === 'earliest') settings.deliver_policy = DeliverPolicy.All;
  else if (options.from.kind === 'latest') settings.deliver_policy = DeliverPolicy.New;
  else settings.opt_start_time = options.from.time.toISOString();
  const consumer = await js.consumers.get(stream, settings);
  try {
    const info = await consumer.info(true);
    if ((!options.follow && info.num_pending === 0) || options.signal?.aborted) return;
    const messages = await consumer.consume({ max_messages: 256 });
    const stop = () => void messages.stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const message of messages) {
        if (!options.follow && message.seq > lastSequence) break; // published after the scan began
        if ((await onRecord(toRawRecord(topic, message))) === false) break;
        // Caught up with the stream as it was when the scan began.
        if (!options.follow && (message.info.pending === 0 || message.seq >= lastSequence)) break;
      }
    } finally {
      options.signal?.removeEventListener('abort', stop);
      stop();
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}

function toRawRecord(topic: string, message: JsMsg): RawRecord {
  const headers: Record<string, string> = {};
  for (const name of message.headers?.keys() ?? []) headers[name] = message.headers!.get(name);
  return {
    topic,
    position: String(message.seq),
    sequence: message.seq,
    key: undefined, // NATS has no message key: it travels as the ce-partitionkey header
    value: message.data,
    headers,
    timestamp: message.time,
  };
}
