import 'reflect-metadata';
import { EVENT_BUS, registerEventBus } from '@switchyard/core/di';
import { container } from 'tsyringe';
import { type HealthServer, startHealthServer } from './health-server.ts';
import { runDemo } from './run-demo.ts';
import { startTelemetry } from './telemetry.ts';

const env = process.env;
const transport = env.SWITCHYARD_TRANSPORT ?? 'memory';
const orders = Number(env.DEMO_ORDERS ?? 1000);

console.log(
  `Switchyard orders demo on the ${transport} transport: ${orders} orders, groups billing and shipping`,
);
// Before the bus: its metric instruments are made when it is created.
const telemetry = startTelemetry('orders-svc', env);
if (telemetry) console.log(`Tracing: spans go to ${telemetry.tracesUrl}`);
await registerEventBus(container, { source: 'orders-svc', env: { ...env, SWITCHYARD_TRANSPORT: transport } });
const bus = container.resolve(EVENT_BUS);
let health: HealthServer | undefined;
if (env.DEMO_HTTP_PORT) {
  health = await startHealthServer(bus, Number(env.DEMO_HTTP_PORT));
  console.log(`Health: http://127.0.0.1:${health.port}/healthz (liveness), /readyz (readiness)`);
}
const started = performance.now();
try {
  const tally = await runDemo(bus, {
    orders,
    poisonEvery: Number(env.DEMO_POISON_EVERY ?? 250),
    flakyRate: Number(env.DEMO_FLAKY_RATE ?? 0.05),
    timeoutMs: Number(env.DEMO_TIMEOUT_MS ?? 60_000),
    log: (line) => console.log(line),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log('\nFinal tally');
  console.log(
    `  published       ${tally.published}${tally.publishFailed ? ` (${tally.publishFailed} failed)` : ''}`,
  );
  console.log(`  billing         ${tally.billed.size} processed`);
  console.log(`  shipping        ${tally.shipped.size} processed`);
  console.log(`  retried         ${tally.retried} (billing attempts that failed once, then succeeded)`);
  console.log(`  dead-lettered   ${tally.deadLettered} (to orders.dlq with the error attached)`);
  console.log(`  took            ${seconds.toFixed(2)} s`);
  if (telemetry) {
    const ui = env.JAEGER_QUERY_URL ?? 'http://127.0.0.1:16686';
    const { shipped, deadLettered } = tally.sampleTraces;
    console.log('\nIn Jaeger (service orders-svc); without its web UI: node src/show-trace.ts <trace id>');
    if (shipped) console.log(`  an order        ${ui}/trace/${shipped}`);
    if (deadLettered) console.log(`  a dead letter   ${ui}/trace/${deadLettered}`);
    console.log(`  search          ${ui}/search?service=orders-svc`);
  }
  const ok = tally.done(orders);
  if (!ok) process.exitCode = 1;
} finally {
  await bus.close({ drainTimeoutMs: 5_000 });
  await health?.close();
  await telemetry?.shutdown(); // flushes the spans still batched
}
