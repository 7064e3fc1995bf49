/**
 * The part of the Map API nats.js uses on two of its tables, kept in an object in dictionary mode:
 * the requests awaiting a reply (`MuxSubscription.reqs`: every JetStream publish is a request,
 * added when sent and deleted when its ack arrives) and the subscriptions by sid (`Subscriptions.subs`:
 * a subscriber's every pull is a subscription of its own). At thousands of entries coming and going
 * per second such a Map is rehashed again and again, and V8 links each dropped table to its
 * successor; once one of them had been promoted to the old generation, every later table, with
 * the requests or subscriptions it referenced and all they hold, survived the young-generation GCs
 * until the next full GC. In the NATS producer at 10,000 events/s new space grew to 4x and
 * scavenges took 10-45 ms instead of < 1, which end-to-end p99 followed. A dictionary's dropped
 * storage keeps no such link (bench/README.md, issue 15).
 */
export class DictionaryMap<K extends string | number, V> {
  #entries: Record<K, V> = Object.create(null);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: K): V | undefined {
    return this.#entries[key];
  }

  set(key: K, value: V): this {
    if (this.#entries[key] === undefined) this.#size++;
    this.#entries[key] = value;
    return this;
  }

  /** Removes the entry of `key`; false when there was none. */
  delete(key: K): boolean {
    if (this.#entries[key] === undefined) return false;
    delete this.#entries[key];
    this.#size--;
    return true;
  }

  values(): IterableIterator<V> {
    return (Object.values(this.#entries) as V[])[Symbol.iterator]();
  }

  /** Keys come back as strings (object keys), which is all nats.js's callbacks use them as. */
  forEach(visit: (value: V, key: string, table: this) => void): void {
    for (const [key, value] of Object.entries(this.#entries) as Array<[string, V]>) visit(value, key, this);
  }
}
