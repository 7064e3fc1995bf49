import type { InboundMessage } from '@switchyard/core/transport';
import type { KafkaProducer } from '../producer/producer.ts';
import { type RetryOrigin, tierFor, toRetryMessage } from './retry-topics.ts';

/**
 * Moves an event that must come back later to its retry topic (`<topic>.retry.<tier>`), so the
 * partition it came from can commit past it. Resolves once the broker accepted the copy; only then
 * is the original acknowledged.
 */
export class RetryParking {
  private readonly producer: KafkaProducer;
  private readonly tiersMs: readonly number[];

  constructor(producer: KafkaProducer, tiersMs: readonly number[]) {
    this.producer = producer;
    this.tiersMs = tiersMs;
  }

  async park(
    message: InboundMessage,
    origin: RetryOrigin,
    group: string,
    delayMs: number,
    attempt: number,
  ): Promise<void> {
    const tierMs = tierFor(delayMs, this.tiersMs);
    const parked = toRetryMessage(message, origin, { group, tierMs, dueAt: Date.now() + delayMs, attempt });
    const [outcome] = await this.producer.send([parked]);
    if (outcome !== undefined && !outcome.ok) throw outcome.error;
  }
}
