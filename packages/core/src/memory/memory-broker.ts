import type { InboundMessage } from '../transport.ts';

/** An event as the in-memory broker stores it. */
export interface StoredEvent {
  readonly topic: string;
  readonly offset: number;
  readonly key: string | undefined;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

type Sink = (messages: readonly InboundMessage[]) => void;

/** One subscriber instance inside a group. */
export class Member {
  paused = false;
  stopped = false;
  inFlight = 0;
  readonly deliveries = new Set<Delivery>();
  readonly group: Group;
  readonly sink: Sink;
  readonly prefetch: number;
  constructor(group: Group, sink: Sink, prefetch: number) {
    this.group = group;
    this.sink = sink;
    this.prefetch = prefetch;
  }
}

/** One delivery of one event to one member; settles once. */
class Delivery implements InboundMessage {
  #settled = false;
  readonly topic: string;
  readonly key: string | undefined;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly offset: string;
  readonly partition = 0;
  readonly member: Member;
  readonly event: StoredEvent;
  readonly attempt: number;
  constructor(member: Member, event: StoredEvent, attempt: number) {
    this.member = member;
    this.event = event;
    this.attempt = attempt;
    this.topic = event.topic;
    this.key = event.key;
    this.value = event.value;
    this.headers = event.headers;
    this.offset = String(event.offset);
  }

  ack(): void {
    if (!this.#release()) return;
    this.member.group.topic.schedule();
  }

  nack(options: { readonly delayMs?: number; readonly nextAttempt?: number } = {}): void {
    if (!this.#release()) return;
    const group = this.member.group;
    const entry = { event: this.event, attempt: options.nextAttempt ?? this.attempt };
    if (options.delayMs !== undefined && options.delayMs > 0) {
      group.delayed++;
      setTimeout(() => {
        group.delayed--;
        group.redeliver.push(entry);
        group.topic.schedule();
      }, options.delayMs).unref();
    } else {
      group.redeliver.push(entry);
      group.topic.schedule();
    }
  }

  /** Returns false when the delivery was already settled or taken back from a stopped member. */
  #release(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    if (!this.member.deliveries.delete(this)) return false;
    this.member.inFlight--;
    return true;
  }

  /** Takes the event back from a member that stopped without settling it. */
  reclaim(): { event: StoredEvent; attempt: number } | undefined {
    if (this.#settled) return undefined;
    this.#settled = true;
    return { event: this.event, attempt: this.attempt };
  }
}

export class Group {
  next: number;
  delayed = 0;
  redeliver: Array<{ event: StoredEvent; attempt: number }> = [];
  members: Member[] = [];
  #roundRobin = 0;
  readonly topic: Topic;
  readonly name: string;
  constructor(topic: Topic, name: string, startAt: number) {
    this.topic = topic;
    this.name = name;
    this.next = startAt;
  }

  lag(): number {
    let unacked = 0;
    for (const m of this.members) unacked += m.inFlight;
    return this.topic.end - this.next + this.redeliver.length + this.delayed + unacked;
  }

  /** Hands out what is ready, same key to the same member; stops at the first member that is full. */
  dispatch(): void {
    // Keys map over every live member, paused or not, so a pause never moves a key to another member.
    const active = this.members.filter((m) => !m.stopped);
    if (active.length === 0) return;
    const batches = new Map<Member, InboundMessage[]>();
    for (;;) {
      const fromRedelivery = this.redeliver.length > 0;
      const entry = fromRedelivery ? this.redeliver[0]! : this.topic.at(this.next);
      if (entry === undefined) break;
      const event = 'event' in entry ? entry.event : entry;
      const member = this.#choose(event.key, active);
      if (member.paused || member.inFlight >= member.prefetch) break;
      if (fromRedelivery) this.redeliver.shift();
      else this.next++;
      const delivery = new Delivery(member, event, 'attempt' in entry ? entry.attempt : 1);
      member.inFlight++;
      member.deliveries.add(delivery);
      let batch = batches.get(member);
      if (batch === undefined) {
        batch = [];
        batches.set(member, batch);
      }
      batch.push(delivery);
    }
    for (const [member, batch] of batches) member.sink(batch);
  }

  leave(member: Member): void {
    member.stopped = true;
    this.members = this.members.filter((m) => m !== member);
    const back = [...member.deliveries].flatMap((d) => d.reclaim() ?? []);
    member.deliveries.clear();
    member.inFlight = 0;
    back.sort((a, b) => a.event.offset - b.event.offset);
    this.redeliver.unshift(...back);
    this.topic.schedule();
  }

  #choose(key: string | undefined, active: Member[]): Member {
    if (active.length === 1) return active[0]!;
    if (key === undefined) return active[this.#roundRobin++ % active.length]!;
    return active[hash(key) % active.length]!;
  }
}

export class Topic {
  readonly groups = new Map<string, Group>();
  #log: StoredEvent[] = [];
  #base = 0;
  #scheduled = false;
  readonly name: string;
  readonly maxRetained: number;
  constructor(name: string, maxRetained: number) {
    this.name = name;
    this.maxRetained = maxRetained;
  }

  get end(): number {
    return this.#base + this.#log.length;
  }

  get retained(): number {
    return this.#log.length;
  }

  at(offset: number): StoredEvent | undefined {
    return this.#log[offset - this.#base];
  }

  append(key: string | undefined, value: Uint8Array, headers: Readonly<Record<string, string>>): StoredEvent {
    const event: StoredEvent = { topic: this.name, offset: this.end, key, value, headers };
    this.#log.push(event);
    this.schedule();
    return event;
  }

  group(name: string, startFrom: 'earliest' | 'latest'): Group {
    let group = this.groups.get(name);
    if (group === undefined) {
      group = new Group(this, name, startFrom === 'earliest' ? this.#base : this.end);
      this.groups.set(name, group);
    }
    return group;
  }

  /** Dispatches on a microtask so a handler that publishes never re-enters delivery. */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      for (const group of this.groups.values()) group.dispatch();
      this.#trim();
    });
  }

  // Events every group has moved past are dropped; with no group at all the log keeps up to maxRetained.
  #trim(): void {
    if (this.groups.size === 0 || this.#log.length < 1024) return;
    let min = this.end;
    for (const group of this.groups.values()) min = Math.min(min, group.next);
    const drop = min - this.#base;
    if (drop * 2 >= this.#log.length) {
      this.#log = this.#log.slice(drop);
      this.#base = min;
    }
  }
}

/** The in-process broker: topics with per-group cursors. Share one between buses to connect them. */
export class MemoryBroker {
  readonly #topics = new Map<string, Topic>();
  readonly maxRetained: number;
  constructor(maxRetained = 1_000_000) {
    this.maxRetained = maxRetained;
  }

  topic(name: string): Topic {
    let topic = this.#topics.get(name);
    if (topic === undefined) {
      topic = new Topic(name, this.maxRetained);
      this.#topics.set(name, topic);
    }
    return topic;
  }
}

function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
