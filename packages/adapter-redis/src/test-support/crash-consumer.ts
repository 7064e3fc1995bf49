// A consumer in a process of its own, for the claim-after-crash test: it handles events of
// CRASH_TOPIC in group CRASH_GROUP and records each handled id in the Redis set CRASH_SET before
// its handler returns (so before the ack). The test kills it with SIGKILL mid-stream.
import { createEventBus } from '@switchyard/core';
import { Redis } from 'ioredis';
import { redis } from '../redis.ts';

const url = process.env.CRASH_URL!;
const topic = process.env.CRASH_TOPIC!;
const group = process.env.CRASH_GROUP!;
const set = process.env.CRASH_SET!;

const recorder = new Redis(url);
const bus = createEventBus({
  source: 'crash-consumer',
  transport: redis({ url, logger: { warn: () => {}, error: () => {} } }),
  onError: () => {},
});
await bus.subscribe(
  topic,
  async (event) => {
    await new Promise((resolve) => setTimeout(resolve, 2));
    await recorder.sadd(set, event.id);
  },
  { group, concurrency: 8, prefetch: 200 },
);
process.stdout.write('subscribed\n');
