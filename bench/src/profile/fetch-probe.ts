// How often a consumer's commits and heartbeats hold up its fetches. kafkajs sends them to the group
// coordinator over the connection its fetches use, and the broker answers one request per connection
// at a time. Raw kafkajs with the `latency` preset's consumer settings, 1,000 events/s batched as
// the adapter does (one request in flight), offsets committed by hand every COMMIT_MS as the
// adapter's committer does; kafkajs' request events show which fetches were sent while a commit or
// heartbeat was outstanding. Set the broker env first (see bench/README.md), then:
//   COMMIT_MS=100 node --conditions=@switchyard/source bench/src/profile/fetch-probe.ts
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const commitMs = Number(process.env.COMMIT_MS ?? 100);
const seconds = Number(process.env.SECONDS ?? 8);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'probe', brokers, logLevel: logLevel.NOTHING });
const topic = `probe_${Date.now()}`;
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({
  topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
  waitForLeaders: true,
});
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const consumer = kafka.consumer({
  groupId: `g_${topic}`,
  minBytes: 1,
  maxWaitTimeInMs: 100,
  sessionTimeout: 10_000,
  heartbeatInterval: 1000,
});
const reqs: Array<{ api: string; sentAt: number; duration: number; pending: number }> = [];
consumer.on(consumer.events.REQUEST, (e) => {
  const p = e.payload as { apiName: string; sentAt: number; duration: number; pendingDuration: number };
  reqs.push({ api: p.apiName, sentAt: p.sentAt, duration: p.duration, pending: p.pendingDuration });
});
const lat: Array<[number, number]> = [];
let measuring = false;
const offsets = new Map<number, string>();
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  eachBatch: async ({ batch, resolveOffset }) => {
    const now = Date.now();
    for (const m of batch.messages) {
      if (measuring) lat.push([now, now - Number(m.value!.toString())]);
      resolveOffset(m.offset);
      offsets.set(batch.partition, (BigInt(m.offset) + 1n).toString());
    }
  },
});
await new Promise((r) => setTimeout(r, 3000));
const timer = setInterval(() => {
  const list = [...offsets].map(([partition, offset]) => ({ topic, partition, offset }));
  if (list.length > 0) void consumer.commitOffsets(list).catch(() => undefined);
}, commitMs);
measuring = true;
reqs.length = 0;
const start = Date.now();
let sent = 0;
// Adaptive batching as the adapter does it: whatever is due leaves in one request, one in flight.
let pending: Array<{ key: string; value: string }> = [];
let sending = false;
const pump = async () => {
  if (sending) return;
  sending = true;
  while (pending.length > 0) {
    const messages = pending;
    pending = [];
    await producer.send({ topic, messages });
  }
  sending = false;
};
while (Date.now() - start < seconds * 1000) {
  const due = Math.floor(Date.now() - start);
  for (; sent < due; sent++) pending.push({ key: `k${sent % 256}`, value: String(start + sent) });
  void pump();
  await new Promise((r) => setTimeout(r, 1));
}
await new Promise((r) => setTimeout(r, 500));
clearInterval(timer);
measuring = false;
const sorted = lat.map((x) => x[1]).sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const by = (api: string) => reqs.filter((r) => r.api === api);
const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `n=${s.length} p50=${s[Math.floor(s.length / 2)]} p99=${s[Math.floor(s.length * 0.99)]} max=${s.at(-1)}`;
};
// Fetches sent while a commit or heartbeat was outstanding on the connection wait behind it at the broker.
const blocking = reqs.filter((r) => r.api === 'OffsetCommit' || r.api === 'Heartbeat');
const fetches = by('Fetch');
const delayed = fetches.filter((f) =>
  blocking.some((b) => b.sentAt <= f.sentAt && f.sentAt < b.sentAt + b.duration),
);
console.log(
  JSON.stringify({ commitMs, events: sorted.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999) }),
);
console.log(
  'Fetch',
  stat(fetches.map((r) => r.duration)),
  'OffsetCommit',
  stat(by('OffsetCommit').map((r) => r.duration)),
  'Heartbeat',
  stat(by('Heartbeat').map((r) => r.duration)),
);
console.log(
  'fetches sent while a commit/heartbeat was outstanding:',
  delayed.length,
  'of',
  fetches.length,
  'their durations',
  stat(delayed.map((r) => r.duration)),
);
// Events by whether a commit was outstanding within 5 ms before their arrival
const slow = lat.filter(([, l]) => l >= q(0.99)!);
const nearCommit = slow.filter(([at]) =>
  blocking.some((b) => at >= b.sentAt && at <= b.sentAt + b.duration + 3),
);
console.log(
  'slowest 1%:',
  slow.length,
  'arrived during/just after a commit or heartbeat:',
  nearCommit.length,
);
await consumer.disconnect();
await producer.disconnect();
await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
await admin.disconnect();
