import 'reflect-metadata';
import { EVENT_BUS, registerEventBus } from '@switchyard/core/di';
import { container } from 'tsyringe';
import { runFixedBilling } from './run-billing.ts';

// `pnpm --filter @switchyard/example-orders billing`: the billing group alone, with the bug that
// dead-letters every DEMO_POISON_EVERY-th order fixed. docs/operating-dead-letters.md runs it
// after redriving orders.dlq.
const env = process.env;
await registerEventBus(container, {
  source: 'billing-svc',
  env: { ...env, SWITCHYARD_TRANSPORT: env.SWITCHYARD_TRANSPORT ?? 'memory' },
});
const bus = container.resolve(EVENT_BUS);
console.log(`Billing (fixed) on the ${env.SWITCHYARD_TRANSPORT ?? 'memory'} transport, group billing`);
try {
  const tally = await runFixedBilling(bus, {
    idleMs: Number(env.DEMO_IDLE_MS ?? 5_000),
    timeoutMs: Number(env.DEMO_TIMEOUT_MS ?? 60_000),
    log: (line) => console.log(line),
  });
  console.log(`charged ${tally.charged} orders, ${tally.redriven} of them redriven from orders.dlq`);
} finally {
  await bus.close({ drainTimeoutMs: 5_000 });
}
