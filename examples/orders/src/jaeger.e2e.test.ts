import { afterEach, describe, expect, it } from 'vitest';
import { describeSpan, fetchTrace, type JaegerSpan, type JaegerTrace } from './e2e/jaeger-api.ts';
import { ProbeProcess } from './e2e/probe-process.ts';
import { requireEnv } from './e2e/require-env.ts';

// One event followed from the publishing process to the consuming one, through a real broker
// and the real Jaeger that `infra/up` starts, read back through Jaeger's query API.
const jaeger = requireEnv('JAEGER_QUERY_URL', 'the Jaeger end-to-end test');
const otlp = requireEnv('OTEL_EXPORTER_OTLP_ENDPOINT', 'the Jaeger end-to-end test');
const natsUrl = requireEnv('NATS_URL', 'the Jaeger end-to-end test on NATS');
const kafkaBrokers = requireEnv('KAFKA_BROKERS', 'the Jaeger end-to-end test on Kafka');
const redisUrl = requireEnv('REDIS_URL', 'the Jaeger end-to-end test on Redis');
const haveJaeger = jaeger !== undefined && otlp !== undefined;

const probes: ProbeProcess[] = [];
afterEach(() => {
  for (const probe of probes.splice(0)) probe.kill();
});

function probeEnv(transport: string, run: string, service: string): Record<string, string | undefined> {
  const { OTEL_METRICS_EXPORTER: _metrics, ...env } = process.env; // Jaeger takes traces only
  return {
    ...env,
    SWITCHYARD_TRANSPORT: transport,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
    OTEL_TRACES_SAMPLER_ARG: '1',
    PROBE_TOPIC: `e2e-trace-${run}`,
    PROBE_ORDER_ID: `order-${run}`,
    PROBE_SERVICE: service,
  };
}

function only(trace: JaegerTrace, name: string): JaegerSpan {
  const found = trace.spans.filter((s) => s.operationName === name);
  expect(found, `spans named "${name}" in ${trace.spans.map((s) => s.operationName)}`).toHaveLength(1);
  return found[0]!;
}

function parentOf(span: JaegerSpan): string | undefined {
  return span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
}

interface Expected {
  readonly transport: 'memory' | 'nats' | 'kafka' | 'redis';
  readonly topic: string;
  readonly eventId: string;
  readonly key: string;
  readonly producer: string;
  readonly consumer: string;
}

/** One trace: place order → send <topic> (producer) → process <topic> (consumer) → charge card. */
function expectOneTraceAcrossProcesses(trace: JaegerTrace, x: Expected): void {
  const root = only(trace, 'place order');
  const send = only(trace, `send ${x.topic}`);
  const processed = trace.spans.find(
    (s) =>
      s.operationName === `process ${x.topic}` &&
      describeSpan(trace, s).tags['messaging.message.id'] === x.eventId,
  );
  expect(processed, `a process span for event ${x.eventId}`).toBeDefined();
  const charge = trace.spans.find(
    (s) => s.operationName === 'charge card' && parentOf(s) === processed!.spanID,
  );

  expect(parentOf(send)).toBe(root.spanID);
  expect(parentOf(processed!)).toBe(send.spanID); // the consumer span is the producer span's child
  expect(charge, 'the handler’s own span under process').toBeDefined();

  const s = describeSpan(trace, send);
  const p = describeSpan(trace, processed!);
  expect(s.service).toBe(x.producer);
  expect(p.service).toBe(x.consumer);
  expect(s.tags).toMatchObject({
    'span.kind': 'producer',
    'messaging.system': x.transport,
    'messaging.destination.name': x.topic,
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'send',
    'messaging.message.id': x.eventId,
    'switchyard.message.key': x.key,
  });
  expect(p.tags).toMatchObject({
    'span.kind': 'consumer',
    'messaging.system': x.transport,
    'messaging.destination.name': x.topic,
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.message.id': x.eventId,
    'messaging.consumer.group.name': 'billing-e2e',
    'switchyard.message.key': x.key,
    'switchyard.attempt': 1,
  });
  for (const tags of [s.tags, p.tags]) {
    if (x.transport === 'nats') {
      expect(tags['switchyard.stream.sequence']).toBe(1);
    } else if (x.transport === 'redis') {
      expect(tags['switchyard.message.offset']).toMatch(/^\d+-\d+$/); // the stream entry id
      expect(tags['messaging.destination.partition.id']).toBeUndefined();
    } else {
      expect(tags['messaging.destination.partition.id']).toMatch(/^\d+$/);
      if (x.transport === 'kafka') {
        expect(tags['messaging.kafka.message.key']).toBe(x.key);
        expect(tags['messaging.kafka.offset']).toBe(0);
      } else {
        expect(tags['switchyard.message.offset']).toBe('0');
      }
    }
  }
}

/** Producer and consumer as two processes (two services in Jaeger), one broker between them. */
async function acrossProcesses(transport: 'nats' | 'kafka' | 'redis'): Promise<void> {
  const run = `${transport}-${Date.now().toString(36)}`;
  const consumer = new ProbeProcess('consumer', probeEnv(transport, run, `orders-e2e-consumer-${run}`));
  probes.push(consumer);
  await consumer.waitFor('ready', 60_000);
  const producer = new ProbeProcess('producer', probeEnv(transport, run, `orders-e2e-producer-${run}`));
  probes.push(producer);
  const published = await producer.waitFor('published', 60_000);
  await producer.waitFor('done', 30_000);
  const handled = await consumer.waitFor('handled', 60_000);
  const { report } = await consumer.waitFor('health', 30_000);
  await consumer.waitFor('done', 30_000);
  // bus.health() against the real broker, from the consumer process while it runs
  expect(report).toMatchObject({
    ok: true,
    transport: { name: transport, state: 'connected' },
    subscriptions: [{ topic: `e2e-trace-${run}`, group: 'billing-e2e', state: 'running', inFlight: 0 }],
  });
  expect((report as { subscriptions: Array<{ lag?: number }> }).subscriptions[0]!.lag).toBeGreaterThanOrEqual(
    0,
  );
  expect(await producer.exited()).toBe(0);
  expect(await consumer.exited()).toBe(0);

  const traceId = published.traceId as string;
  const receipt = published.receipt as { id: string };
  expect(handled.id).toBe(receipt.id);
  expect(handled.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  const trace = await fetchTrace(jaeger!, traceId, (t) =>
    ['place order', `send e2e-trace-${run}`, `process e2e-trace-${run}`, 'charge card'].every((name) =>
      t.spans.some((s) => s.operationName === name),
    ),
  );
  expectOneTraceAcrossProcesses(trace, {
    transport,
    topic: `e2e-trace-${run}`,
    eventId: receipt.id,
    key: `order-${run}`,
    producer: `orders-e2e-producer-${run}`,
    consumer: `orders-e2e-consumer-${run}`,
  });
}

describe.skipIf(!haveJaeger)('traces in Jaeger, end to end', () => {
  it('memory: producer and consumer in one process export one trace; the batch send span links each create span', async () => {
    const run = `memory-${Date.now().toString(36)}`;
    const service = `orders-e2e-${run}`;
    const probe = new ProbeProcess('both', probeEnv('memory', run, service));
    probes.push(probe);
    const published = await probe.waitFor('published', 30_000);
    await probe.waitFor('done', 30_000);
    expect(await probe.exited()).toBe(0);
    const topic = `e2e-trace-${run}`;
    const receipt = published.receipt as { id: string };
    const trace = await fetchTrace(jaeger!, published.traceId as string, (t) =>
      [`process ${topic}`, 'charge card', `create ${topic}`].every((n) =>
        t.spans.some((s) => s.operationName === n),
      ),
    );
    expectOneTraceAcrossProcesses(
      {
        ...trace,
        spans: trace.spans.filter((s) => s.operationName !== `send ${topic}` || !isBatch(trace, s)),
      },
      {
        transport: 'memory',
        topic,
        eventId: receipt.id,
        key: `order-${run}`,
        producer: service,
        consumer: service,
      },
    );

    const batch = trace.spans.find((s) => isBatch(trace, s));
    const creates = trace.spans.filter((s) => s.operationName === `create ${topic}`);
    expect(batch, 'the batch send span').toBeDefined();
    expect(creates).toHaveLength(2);
    expect(describeSpan(trace, batch!).tags).toMatchObject({
      'span.kind': 'client',
      'messaging.batch.message_count': 2,
    });
    const linked = batch!.references.filter((r) => r.refType === 'FOLLOWS_FROM').map((r) => r.spanID);
    expect(linked.sort()).toEqual(creates.map((c) => c.spanID).sort());
  }, 90_000);

  it.skipIf(natsUrl === undefined)(
    'nats: the consumer process’s span is the child of the producer process’s span, with the messaging attributes',
    () => acrossProcesses('nats'),
    120_000,
  );

  it.skipIf(redisUrl === undefined)(
    'redis: the consumer process’s span is the child of the producer process’s span, with the messaging attributes',
    () => acrossProcesses('redis'),
    120_000,
  );

  it.skipIf(kafkaBrokers === undefined)(
    'kafka: the consumer process’s span is the child of the producer process’s span, with the messaging attributes',
    () => acrossProcesses('kafka'),
    150_000,
  );
});

function isBatch(trace: JaegerTrace, span: JaegerSpan): boolean {
  return describeSpan(trace, span).tags['messaging.batch.message_count'] !== undefined;
}
