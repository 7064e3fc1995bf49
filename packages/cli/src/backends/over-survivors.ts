export interface SurvivorOptions {
  /** Which of `names` still exist; asked after a call failed. */
  readonly existing: (names: readonly string[]) => Promise<readonly string[]>;
  /** Calls in all, the first included; the last error is thrown after that. @default 5 */
  readonly attempts?: number;
  /** Pause before asking which names still exist (a broker that just deleted a topic may still list it). @default 100 */
  readonly pauseMs?: number;
}

/**
 * `call(names)`, for a batch request that fails as a whole when one name is gone (a topic deleted
 * between listing and describing it): after a failure it asks which names still exist and, if some
 * are gone, calls again with the others, a bounded number of times, so a listing still completes
 * while other processes delete topics. Names deleted meanwhile are simply left out.
 *
 * The failure is not told apart by its error: kafkajs reports a deleted topic as
 * UNKNOWN_TOPIC_OR_PARTITION, or (when its cached metadata already named the topic) as a TypeError
 * from a null metadata response. A failure while every name still exists, or while the check
 * itself fails, is thrown as it came.
 */
export async function overSurvivors<T>(
  names: readonly string[],
  call: (names: readonly string[]) => Promise<T>,
  { existing, attempts = 5, pauseMs = 100 }: SurvivorOptions,
): Promise<T> {
  let current = names;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(current);
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      const still = new Set(await existing(current).catch(() => Promise.reject(error)));
      const survivors = current.filter((name) => still.has(name));
      if (survivors.length === current.length) throw error;
      current = survivors;
    }
  }
}
