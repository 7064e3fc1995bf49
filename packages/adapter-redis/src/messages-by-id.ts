import type { RedisMessage } from './redis-message.ts';

/**
 * The messages a group member handed over and has not seen settled, by stream entry id: a Map's
 * work, kept in an object in dictionary mode. A Map whose size swings between none and a few
 * (each event added, then deleted) is rehashed on most changes, and V8 links each old table to
 * its successor; once one of those tables has been promoted, every later one, with the messages it
 * held, survives young-generation GCs until a full GC. A dictionary's old storage keeps no such
 * link (bench/README.md, Redis).
 */
export class MessagesById {
  #byId: Record<string, RedisMessage> = Object.create(null);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  has(id: string): boolean {
    return this.#byId[id] !== undefined;
  }

  set(id: string, message: RedisMessage): void {
    if (this.#byId[id] === undefined) this.#size++;
    this.#byId[id] = message;
  }

  /** Removes the message of `id`; false when there was none. */
  delete(id: string): boolean {
    if (this.#byId[id] === undefined) return false;
    delete this.#byId[id];
    this.#size--;
    return true;
  }

  ids(): string[] {
    return Object.keys(this.#byId);
  }

  messages(): RedisMessage[] {
    return Object.values(this.#byId);
  }

  clear(): void {
    this.#byId = Object.create(null);
    this.#size = 0;
  }
}
