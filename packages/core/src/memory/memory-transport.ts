import { configError, EventBusError } from '../errors.ts';
import { checkKnownKeys } from '../option-checks.ts';
import type {
  ConsumeRequest,
  ConsumerHandle,
  InboundMessage,
  OutboundMessage,
  SendOutcome,
  Transport,
  TransportCapabilities,
  TransportHealth,
} from '../transport.ts';
import { Member, MemoryBroker } from './memory-broker.ts';

export interface MemoryTransportOptions {
  /**
   * The broker to use. Buses sharing one broker see each other's events.
   * @default one broker per process
   */
  readonly broker?: MemoryBroker;
  /**
   * Largest event accepted, in bytes.
   * @default 1048576
   */
  readonly maxMessageBytes?: number;
}

const processBroker = new MemoryBroker();

/**
 * The embedded transport: the full contract (groups, ordering by key, redelivery, delayed retry,
 * dead letter) inside one process, with nothing on disk. Events are lost when the process ends.
 */
export function memoryTransport(options: MemoryTransportOptions = {}): Transport {
  return new MemoryTransport(options);
}

class MemoryTransport implements Transport {
  readonly name = 'memory';
  readonly capabilities: TransportCapabilities;
  readonly #broker: MemoryBroker;
  #state: TransportHealth['state'] = 'disconnected';
  readonly #members = new Set<Member>();

  constructor(options: MemoryTransportOptions) {
    checkKnownKeys(options, ['broker', 'maxMessageBytes'], '');
    const maxMessageBytes = options.maxMessageBytes ?? 1_048_576;
    if (!(maxMessageBytes > 0)) throw configError('maxMessageBytes', 'must be > 0');
    this.#broker = options.broker ?? processBroker;
    this.capabilities = {
      persistent: false,
      consumerGroups: true,
      orderingScope: 'group',
      delayedRedelivery: true,
      maxMessageBytes,
      maxMessageBytesSetBy: '`maxMessageBytes`',
      topicAdmin: false,
    };
  }

  async connect(): Promise<void> {
    this.#state = 'connected';
  }

  async send(messages: readonly OutboundMessage[]): Promise<readonly SendOutcome[]> {
    if (this.#state !== 'connected') {
      throw new EventBusError('NOT_CONNECTED', 'The memory transport is not connected (closed?).');
    }
    const outcomes: SendOutcome[] = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      const topic = this.#broker.topic(m.topic);
      if (topic.groups.size === 0 && topic.retained >= topic.maxRetained) {
        outcomes[i] = {
          ok: false,
          error: new EventBusError(
            'BUFFER_FULL',
            `In-memory topic ${m.topic} holds ${topic.retained} events and has no subscriber; subscribe or raise the broker's maxRetained.`,
            { retriable: true },
          ),
        };
        continue;
      }
      const stored = topic.append(m.key, m.value, m.headers);
      outcomes[i] = { ok: true, receipt: { partition: 0, offset: String(stored.offset) } };
    }
    return outcomes;
  }

  async consume(
    request: ConsumeRequest,
    onMessages: (messages: readonly InboundMessage[]) => void,
  ): Promise<ConsumerHandle> {
    if (this.#state !== 'connected')
      throw new EventBusError('NOT_CONNECTED', 'The memory transport is not connected.');
    const group = this.#broker.topic(request.topic).group(request.group, request.startFrom);
    const member = new Member(group, onMessages, request.prefetch);
    group.members.push(member);
    this.#members.add(member);
    group.topic.schedule();
    return {
      pause: () => {
        member.paused = true;
      },
      resume: () => {
        member.paused = false;
        group.topic.schedule();
      },
      stop: async () => {
        if (member.stopped) return;
        group.leave(member);
        this.#members.delete(member);
      },
      lag: async () => ({ total: group.lag() }),
    };
  }

  health(): TransportHealth {
    return { state: this.#state };
  }

  async close(): Promise<void> {
    for (const member of this.#members) member.group.leave(member);
    this.#members.clear();
    this.#state = 'closed';
  }
}
