import type { HandlerEntry } from './handler-entry.ts';

const NONE: readonly HandlerEntry[] = [];
/** Types remembered at most; a topic with more distinct types (or a sender making them up) only costs a recount. */
const MAX_REMEMBERED_TYPES = 1_024;

/**
 * Which handlers of one consumer get an event of a given type: those that declared the type, plus
 * those that take every type. The answer per type is computed once and kept until the handlers change.
 */
export class DispatchTable {
  readonly #entries: HandlerEntry[] = [];
  #byType = new Map<string, readonly HandlerEntry[]>();

  get size(): number {
    return this.#entries.length;
  }

  get entries(): readonly HandlerEntry[] {
    return this.#entries;
  }

  /** The declared types, `*` for a handler of every type. */
  get types(): string[] {
    return [...new Set(this.#entries.map((e) => e.type ?? '*'))];
  }

  add(entry: HandlerEntry): void {
    this.#entries.push(entry);
    this.#byType = new Map();
  }

  remove(entry: HandlerEntry): void {
    const index = this.#entries.indexOf(entry);
    if (index >= 0) this.#entries.splice(index, 1);
    this.#byType = new Map();
  }

  targets(type: string): readonly HandlerEntry[] {
    let targets = this.#byType.get(type);
    if (targets === undefined) {
      const found = this.#entries.filter((e) => e.type === undefined || e.type === type);
      targets = found.length === 0 ? NONE : found;
      if (this.#byType.size >= MAX_REMEMBERED_TYPES) this.#byType.clear();
      this.#byType.set(type, targets);
    }
    return targets;
  }
}
