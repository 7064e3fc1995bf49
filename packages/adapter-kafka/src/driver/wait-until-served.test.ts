import { describe, expect, it } from 'vitest';
import type { TopicMetadata } from './driver.ts';
import { waitUntilAllServed, waitUntilServed } from './wait-until-served.ts';

/** A broker that lists the topics' leaders at once and serves offsets of `late` topics never, of others after `servedAfter` asks. */
function broker(servedAfter: number, late: readonly string[] = []) {
  let asks = 0;
  return {
    topicMetadata: async (topic: string): Promise<TopicMetadata> => ({
      topic,
      partitions: [{ partition: 0, leader: 1, replicas: 1 }],
    }),
    topicOffsets: async (topic: string) => {
      if (late.includes(topic) || ++asks <= servedAfter) throw new Error('UNKNOWN_TOPIC_OR_PARTITION');
      return [];
    },
  };
}

const open = () => true;

describe('waitUntilServed', () => {
  it('resolves true once the leaders serve the topic', async () => {
    expect(await waitUntilServed(broker(2), 'orders', 5_000, open)).toBe(true);
  });

  it('resolves false when the time runs out', async () => {
    expect(await waitUntilServed(broker(0, ['orders']), 'orders', 100, open)).toBe(false);
  });
});

describe('waitUntilAllServed', () => {
  it('says nothing when every topic is served', async () => {
    const lines: string[] = [];
    await waitUntilAllServed(broker(1), ['orders', 'orders.retry.1s'], 5_000, open, (level, m) =>
      lines.push(`${level} ${m}`),
    );
    expect(lines).toEqual([]);
  });

  it('names the topics not served in one warning, with what follows', async () => {
    // ensureTopic returned without a word when its topic was not served in time.
    const lines: string[] = [];
    await waitUntilAllServed(
      broker(0, ['orders.retry.1s', 'orders.retry.10s']),
      ['orders', 'orders.retry.1s', 'orders.retry.10s'],
      100,
      open,
      (level, m) => lines.push(`${level} ${m}`),
    );
    expect(lines).toEqual([
      expect.stringMatching(
        /^warn Topic\(s\) orders\.retry\.1s, orders\.retry\.10s were made, but .* in the 100 ms of requestTimeoutMs\. .*retry/,
      ),
    ]);
  });

  it('says nothing when the driver closes meanwhile', async () => {
    const lines: string[] = [];
    let isOpen = true;
    setTimeout(() => {
      isOpen = false;
    }, 30);
    await waitUntilAllServed(
      broker(0, ['orders']),
      ['orders'],
      5_000,
      () => isOpen,
      (level, m) => lines.push(`${level} ${m}`),
    );
    expect(lines).toEqual([]);
  });
});
