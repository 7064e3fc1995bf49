import 'reflect-metadata';
import { EVENT_BUS, registerEventBus } from '@switchyard/core/di';
import { container } from 'tsyringe';
import { runDemo } from './run-demo.ts';

const env = process.env;
const transport = env.SWITCHYARD_TRANSPORT ?? 'memory';
const orders = Number(env.DEMO_ORDERS ?? 1000);

console.log(
  `Switchyard orders demo on the ${transport} transport: ${orders} orders, groups billing and shipping`,
);
await registerEventBus(container, { source: 'orders-svc', env: { ...env, SWITCHYARD_TRANSPORT: transport } });
const bus = container.resolve(EVENT_BUS);
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
  const ok = tally.done(orders);
  if (!ok) process.exitCode = 1;
} finally {
  await bus.close({ drainTimeoutMs: 5_000 });
}
