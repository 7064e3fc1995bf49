/** The parts of kafkajs 2.2.4's cluster (a producer's, the admin's) that a deleted topic breaks. */
export interface RefreshingCluster {
  /** Every topic the client has written to or looked up; kafkajs never removes one. */
  readonly targetTopics: Set<string>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  /** Adds target topics and refreshes the metadata when one is new (kafkajs drops them again if unknown). */
  addMultipleTargetTopics(topics: string[]): Promise<void>;
}

const UNKNOWN_TOPIC = 'UNKNOWN_TOPIC_OR_PARTITION';

/**
 * kafkajs asks for every topic a client ever used in each Metadata request and fails the whole
 * request when the broker no longer knows one of them. So once a topic the producer wrote to is
 * deleted elsewhere, the next lookup — the first send to another topic, or the refresh after
 * `metadataMaxAgeMs` before a send to a topic in use — fails through the retry budget (~3.4 s with
 * the local profile) with UNKNOWN_TOPIC_OR_PARTITION for a topic that exists; the admin client's
 * lookups and topic creation likewise, so the deleted topic was not even made anew.
 *
 * Wraps the cluster's two refreshes: on that error, the target topics the broker no longer lists
 * (deleted since: kafkajs would keep them forever) leave the target topics, and the refresh runs
 * once more. Topics being added at that moment are left alone, so a lookup of a topic that does not
 * exist still fails as "unknown topic" (kafkajs drops it from the target topics itself then).
 */
export function forgetDeletedTopics(
  cluster: RefreshingCluster,
  listTopics: () => Promise<readonly string[]>,
  onForgotten: (topics: readonly string[]) => void = () => {},
): void {
  /** Topics in an `addMultipleTargetTopics` under way, with how many calls add each. */
  const adding = new Map<string, number>();
  const add = cluster.addMultipleTargetTopics.bind(cluster);
  cluster.addMultipleTargetTopics = async (topics: string[]): Promise<void> => {
    for (const topic of topics) adding.set(topic, (adding.get(topic) ?? 0) + 1);
    try {
      await add(topics);
    } finally {
      for (const topic of topics) {
        const left = (adding.get(topic) ?? 1) - 1;
        if (left === 0) adding.delete(topic);
        else adding.set(topic, left);
      }
    }
  };
  const guard = (refresh: () => Promise<void>) => async (): Promise<void> => {
    try {
      await refresh();
    } catch (error) {
      if ((error as { type?: string }).type !== UNKNOWN_TOPIC) throw error;
      // Only topics being added: the unknown one is among them, nothing older to forget.
      if ([...cluster.targetTopics].every((t) => adding.has(t))) throw error;
      const listed = new Set(await listTopics().catch(() => []));
      if (listed.size === 0) throw error;
      const deleted = [...cluster.targetTopics].filter((t) => !listed.has(t) && !adding.has(t));
      if (deleted.length === 0) throw error;
      for (const topic of deleted) cluster.targetTopics.delete(topic);
      onForgotten(deleted);
      await refresh();
    }
  };
  cluster.refreshMetadata = guard(cluster.refreshMetadata.bind(cluster));
  cluster.refreshMetadataIfNecessary = guard(cluster.refreshMetadataIfNecessary.bind(cluster));
}
