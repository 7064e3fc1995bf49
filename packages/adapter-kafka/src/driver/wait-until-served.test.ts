import { describe, expect, it } from 'vitest';
import type { TopicMetadata } from './driver.ts';
import { waitUntilServed } from './wait-until-served.ts';

/** A broker that lists the topic's leaders at once and serves its offsets after `servedAfter` asks. */
function broker(servedAfter: number) {
  let asks = 0;
  return {
    topicMetadata: async (topic: string): Promise<TopicMetadata> => ({
      topic,
      partitions: [{ partition: 0, leader: 1, replicas: 1 }],
    }),
    topicOffsets: async () => {
      if (++asks <= servedAfter) throw new Error('UNKNOWN_TOPIC_OR_PARTITION');
      return [];
    },
  };
}

describe('waitUntilServed', () => {
  it('resolves true once the leaders serve the topic, saying nothing', async () => {
    const lines: string[] = [];
    const served = await waitUntilServed(broker(2), 'orders', 5_000, undefined, (level, message) =>
      lines.push(`${level} ${message}`),
    );
    expect(served).toBe(true);
    expect(lines).toEqual([]);
  });

  it('gives up at the deadline with a warning that says what follows', async () => {
    const lines: string[] = [];
    const served = await waitUntilServed(broker(Infinity), 'orders', 100, undefined, (level, message) =>
      lines.push(`${level} ${message}`),
    );
    expect(served).toBe(false);
    expect(lines).toEqual([
      expect.stringMatching(/^warn Topic orders was made, but .* within 100 ms .*retry/),
    ]);
  });

  it('stops quietly when the driver closes', async () => {
    const lines: string[] = [];
    let open = true;
    setTimeout(() => {
      open = false;
    }, 30);
    const served = await waitUntilServed(
      broker(Infinity),
      'orders',
      5_000,
      () => open,
      (level, message) => lines.push(`${level} ${message}`),
    );
    expect(served).toBe(false);
    expect(lines).toEqual([]);
  });
});
