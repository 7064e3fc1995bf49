import { describe, expect, it } from 'vitest';
import { forgetDeletedTopics, type RefreshingCluster } from './kafkajs-deleted-topics.ts';

/** kafkajs' cluster as far as it matters here: a refresh fails while a target topic is not on the broker. */
function fakeCluster(onBroker: Set<string>) {
  const requests: string[][] = [];
  const unknown = () =>
    Object.assign(new Error('This server does not host this topic-partition'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
  const cluster: RefreshingCluster = {
    targetTopics: new Set<string>(),
    async refreshMetadata() {
      requests.push([...this.targetTopics]);
      if ([...this.targetTopics].some((t) => !onBroker.has(t))) throw unknown();
    },
    async refreshMetadataIfNecessary() {
      await this.refreshMetadata();
    },
    async addMultipleTargetTopics(topics: string[]) {
      const before = new Set(this.targetTopics);
      for (const t of topics) this.targetTopics.add(t);
      try {
        await this.refreshMetadata();
      } catch (error) {
        // As kafkajs: an unknown topic is dropped from the target topics again.
        for (const t of [...this.targetTopics]) if (!before.has(t)) this.targetTopics.delete(t);
        throw error;
      }
    },
  };
  return { cluster, requests };
}

describe('forgetDeletedTopics', () => {
  it('drops a deleted target topic and refreshes again, once', async () => {
    const onBroker = new Set(['orders', 'retired']);
    const { cluster, requests } = fakeCluster(onBroker);
    const forgotten: string[][] = [];
    forgetDeletedTopics(
      cluster,
      async () => [...onBroker],
      (t) => void forgotten.push([...t]),
    );
    await cluster.addMultipleTargetTopics(['orders', 'retired']);
    onBroker.delete('retired');

    await cluster.refreshMetadataIfNecessary();
    expect([...cluster.targetTopics]).toEqual(['orders']);
    expect(forgotten).toEqual([['retired']]);
    expect(requests.slice(-2)).toEqual([['orders', 'retired'], ['orders']]);
  });

  it('lets a lookup of a topic that never existed fail, without forgetting it or the others', async () => {
    const onBroker = new Set(['orders']);
    const { cluster } = fakeCluster(onBroker);
    let listed = 0;
    forgetDeletedTopics(cluster, async () => {
      listed++;
      return [...onBroker];
    });
    await cluster.addMultipleTargetTopics(['orders']);

    await expect(cluster.addMultipleTargetTopics(['missing'])).rejects.toMatchObject({
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
    expect([...cluster.targetTopics]).toEqual(['orders']);
    expect(listed).toBe(1);
  });

  it('does not list the topics when the only target topics are the ones being added', async () => {
    const { cluster } = fakeCluster(new Set());
    let listed = 0;
    forgetDeletedTopics(cluster, async () => {
      listed++;
      return [];
    });
    await expect(cluster.addMultipleTargetTopics(['missing'])).rejects.toThrow(/does not host/);
    expect(listed).toBe(0);
  });

  it('passes other errors through', async () => {
    const { cluster } = fakeCluster(new Set(['orders']));
    cluster.refreshMetadata = async () => {
      throw Object.assign(new Error('timeout'), { type: 'REQUEST_TIMED_OUT' });
    };
    forgetDeletedTopics(cluster, async () => ['orders']);
    await expect(cluster.refreshMetadata()).rejects.toThrow('timeout');
  });
});
