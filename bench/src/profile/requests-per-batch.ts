/**
 * How many produce requests one `publishBatch` of N events makes (Kafka): a serial batch-call
 * publisher pays a round trip per request. `node --conditions=@switchyard/source
 * bench/src/profile/requests-per-batch.ts <driver> <events per call> <calls> [preset]`
 */

import { kafka } from '@switchyard/adapter-kafka';
import { createEventBus } from '@switchyard/core';
import { Accumulator } from '../../../packages/adapter-kafka/src/producer/accumulator.ts';
import { loadBrokerEnv } from '../env.ts';
import { padFor } from '../payload.ts';
import { loadTransport } from '../subjects/registry.ts';

const [driver = 'platformatic', perCall = '1000', calls = '50', preset = 'durable'] = process.argv.slice(2);
const env = loadBrokerEnv();
let requests = 0;
let batches = 0;
const proto = Accumulator.prototype as unknown as { send: (leader: number, queues: unknown[]) => void };
const send = proto.send;
proto.send = function (this: unknown, leader: number, queues: unknown[]) {
  requests++;
  batches += queues.length;
  return send.call(this, leader, queues);
};
const bus = createEventBus({
  transport: kafka({ brokers: env.KAFKA_BROKERS!.split(','), driver, preset } as never),
  source: 'requests-per-batch',
  tracing: false,
});
const topic = `bench_rpb_${Date.now()}`;
await bus.ensureTopic({ name: topic, partitions: 3 } as never);
const pad = padFor(100);
const drafts = Array.from({ length: Number(perCall) }, (_, i) => ({
  type: 'bench.event',
  key: `k${i % 256}`,
  data: { t: 0, p: 0, i, pad },
}));
await bus.publishBatch(topic, drafts);
requests = 0;
batches = 0;
const t = performance.now();
for (let c = 0; c < Number(calls); c++) await bus.publishBatch(topic, drafts);
const ms = performance.now() - t;
console.log(
  `${driver} ${preset}: ${calls} publishBatch calls of ${perCall}: ${requests} produce requests (${(requests / Number(calls)).toFixed(2)} per call, ${(batches / requests).toFixed(2)} partition batches each), ${Math.round((Number(calls) * Number(perCall) * 1000) / ms)} events/s`,
);
await bus.close();
// The probe's topic goes, as the bench's own do (deleted by name).
await (await loadTransport('kafka')).cleanup?.(env, topic);
