/**
 * A service process of a fault case (`node worker.ts`, configured by SWITCHYARD_FAULTS_WORKER):
 * one bus over the adapter's `transportFromEnv`, either consuming a group (reporting each handled
 * event) or publishing at a rate (reporting each outcome). The case kills it, or its handler ends
 * it. A handler returns (and its event is acknowledged) only once its report left the process, so
 * a kill never hides a handled event; publish outcomes go to the parent every 50 ms.
 */
import { createEventBus, type EventBus, isEventBusError, type Transport } from '@switchyard/core';
import { type FaultEventData, RatePublisher } from './publishers.ts';
import type { ToParent, ToWorker, WorkerConfig } from './worker-protocol.ts';

const config = JSON.parse(process.env.SWITCHYARD_FAULTS_WORKER ?? '{}') as WorkerConfig;
const send = (message: ToParent) => process.send?.(message);
/** Resolves once the message is written to the IPC channel, where a SIGKILL of this process no longer loses it. */
const reported = (message: ToParent) =>
  new Promise<void>((resolve, reject) =>
    process.send?.(message, undefined, undefined, (error) => (error ? reject(error) : resolve())),
  );

const acked: number[] = [];
const failures = new Map<string, { count: number; example: string }>();
let lastAckAt = 0;
let longestAckGapMs = 0;
let longestSettleMs = 0;

function flush(): void {
  if (acked.length > 0) send({ t: 'acked', n: acked.splice(0), longestAckGapMs, longestSettleMs });
  if (failures.size > 0) {
    send({ t: 'failed', failures: [...failures].map(([label, f]) => ({ label, ...f })) });
    failures.clear();
  }
  send({ t: 'rss', maxRssBytes: process.resourceUsage().maxRSS * 1024 });
}
const reporter = setInterval(flush, 50);

async function createTransport(): Promise<Transport> {
  const adapter = (await import(config.adapter)) as { transportFromEnv(env: object): Transport };
  return adapter.transportFromEnv(config.transportEnv);
}

async function consume(bus: EventBus): Promise<void> {
  await bus.subscribe(
    config.topic,
    async (event) => {
      const data = event.data as FaultEventData;
      if (data.crash === true && config.crashOnMarker === true) {
        flush();
        process.exit(3); // the handler takes its process down before the event is acknowledged
      }
      if (config.handlerDelayMs > 0) await new Promise((r) => setTimeout(r, config.handlerDelayMs));
      await reported({ t: 'handled', n: [data.n] });
    },
    { group: config.group, ...config.subscribe },
  );
  // As a service shuts down when its orchestrator stops it: close the bus, then exit.
  process.once('SIGTERM', () => {
    void bus.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  send({ t: 'ready' });
}

async function publish(bus: EventBus): Promise<void> {
  const publisher = new RatePublisher(
    bus,
    config.topic,
    config.keys,
    {
      ack(n, at) {
        acked.push(n);
        if (lastAckAt > 0) longestAckGapMs = Math.max(longestAckGapMs, at - lastAckAt);
        lastAckAt = at;
      },
      settled(ms) {
        longestSettleMs = Math.max(longestSettleMs, ms);
      },
      fail(n, error) {
        const label = isEventBusError(error)
          ? `${error.code}/${error.retriable ? 'retriable' : 'not retriable'}`
          : 'not an EventBusError';
        const f = failures.get(label) ?? { count: 0, example: `#${n}: ${String(error)}` };
        f.count++;
        failures.set(label, f);
      },
    },
    config.ratePerSecond,
  );
  process.on('message', (message: ToWorker) => {
    if (message.t !== 'stop') return;
    void publisher.stop(message.settleTimeoutMs).then(async (unsettled) => {
      const stoppedAt = performance.now();
      if (lastAckAt > 0) longestAckGapMs = Math.max(longestAckGapMs, stoppedAt - lastAckAt);
      flush();
      send({ t: 'done', unsettled });
      clearInterval(reporter);
      await bus.close({ drainTimeoutMs: 1_000 }).catch(() => {});
      process.exit(0);
    });
  });
  publisher.start();
  send({ t: 'ready' });
}

const bus = createEventBus({
  source: `faults-${config.role}`,
  transport: await createTransport(),
  publishBuffer: config.publishBuffer,
  onError: () => {}, // consumer hiccups during a fault are expected; outcomes are what is counted
});
if (config.role === 'consume') await consume(bus);
else await publish(bus);
