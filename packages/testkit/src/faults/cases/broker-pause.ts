import type { FaultCase } from '../fault-case.ts';
import { FAULT_GROUP, peakOf, seconds, sleep } from '../fault-harness.ts';

/** Throughput counts as back once a 1 s window reaches this share of the rate before the pause. */
const RECOVERED_SHARE = 0.8;

/**
 * A service process publishes at a constant rate without awaiting (fire and count), while the
 * broker is paused with SIGSTOP for a few seconds and then continued. Its publish buffer holds 2 s
 * of that traffic and half a second more may wait for room, so the pause fills both and the bus's
 * bounds act (publishes beyond them fail fast, retriable). Every publish must settle — resolve, or
 * reject with a retriable error — within a deadline (none hangs forever), the publisher's memory
 * stays bounded, throughput returns, and every acknowledged event is handled.
 */
export const brokerPause: FaultCase = {
  scenario: 'broker-pause',
  title:
    'settles every publish, bounds memory and recovers throughput when the broker is paused (SIGSTOP) under load',
  needs: { broker: true },
  async run(h) {
    const topic = h.topic();
    const rate = h.options.publishRate ?? 2_000;
    const pauseMs = h.options.pauseMs ?? 5_000;
    const bus = await h.bus();
    await h.ensureTopic(bus, topic);
    await h.consumeHere(bus, topic);
    const publishBuffer = { maxMessages: 2 * rate, maxWaitingMessages: rate / 2 };
    const publisher = await h.worker('publisher', {
      role: 'publish',
      topic,
      ratePerSecond: rate,
      publishBuffer,
    });

    // Acknowledgements per 100 ms, to find the rate before the pause and when it is back.
    const samples: Array<{ at: number; acked: number }> = [];
    const sampler = setInterval(
      () => samples.push({ at: performance.now(), acked: h.tally.acked.size }),
      100,
    );
    const rateOver = (from: number, to: number) => {
      const a = samples.findLast((s) => s.at <= from);
      const b = samples.findLast((s) => s.at <= to);
      return a === undefined || b === undefined || b.at === a.at
        ? 0
        : ((b.acked - a.acked) * 1000) / (b.at - a.at);
    };
    try {
      await h.until('2 s of acknowledged publishes', () => h.tally.acked.size >= 2 * rate, 30_000);
      await sleep(1_000);
      const before = rateOver(performance.now() - 2_000, performance.now());

      const pausedAt = performance.now();
      await h.broker.pause();
      await sleep(pauseMs);
      await h.broker.resume();
      const resumedAt = performance.now();
      const recovered = await h.until(
        `a 1 s window at ${RECOVERED_SHARE * 100} % of the rate before the pause`,
        () =>
          performance.now() - resumedAt > 1_000 &&
          rateOver(performance.now() - 1_000, performance.now()) >= RECOVERED_SHARE * before,
        60_000,
      );
      const recoveredAt = performance.now();
      await sleep(2_000);
      const after = rateOver(performance.now() - 2_000, performance.now());
      h.notes.push(
        `offered ${rate}/s (publishBuffer ${publishBuffer.maxMessages}, ${publishBuffer.maxWaitingMessages} waiting); ` +
          `acknowledged ${Math.round(before)}/s before, ${Math.round(after)}/s after; paused ${seconds(resumedAt - pausedAt)} s` +
          (recovered
            ? `; a 1 s window at ≥ ${RECOVERED_SHARE * 100} % of the rate before ended ${seconds(recoveredAt - resumedAt)} s after SIGCONT`
            : ''),
      );
      if (!recovered) h.problem('throughput did not come back within 60 s of SIGCONT');

      h.notes.push(`consumer: group ${FAULT_GROUP} in the test process`);
      return await h.finish(topic, () => publisher.stopPublishing(60_000), {
        faultSeconds: (resumedAt - pausedAt) / 1000,
        orderPromised: h.capabilities.orderingScope !== 'none',
        rss: peakOf('publisher process', publisher),
      });
    } finally {
      clearInterval(sampler);
    }
  },
};
