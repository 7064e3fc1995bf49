// A CommonJS application (what `tsc --module commonjs` emits, as many NestJS builds are): it loads
// the ESM-only packages with plain `require()`, which Node loads synchronously from 22.12 on
// (require(esm)). For each transport named on the command line it publishes a few events, handles
// them in one group and closes; it prints `ok cjs <transport>: …` and exits 0, or exits 1 saying why.
//
//   node main.cjs memory kafka nats redis      (KAFKA_BROKERS, NATS_URL, REDIS_URL give the addresses)
'use strict';
const { createEventBus, memoryTransport } = require('@switchyard/core');

const TRANSPORTS = {
  memory: () => memoryTransport(),
  kafka: () =>
    require('@switchyard/adapter-kafka').kafka({
      brokers: process.env.KAFKA_BROKERS.split(','),
      logger: console,
      logLevel: 'error',
    }),
  nats: () => require('@switchyard/adapter-nats').nats({ servers: process.env.NATS_URL }),
  redis: () => require('@switchyard/adapter-redis').redis({ url: process.env.REDIS_URL }),
};

async function check(name) {
  const started = Date.now();
  const topic = `install.cjs.${name}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const bus = createEventBus({ source: 'install-cjs', transport: TRANSPORTS[name]() });
  try {
    await bus.ensureTopic({ name: topic });
    const seen = new Set();
    await bus.subscribe(topic, (event) => void seen.add(event.data.n), { group: 'billing' });
    await Promise.all(
      [1, 2, 3].map((n) => bus.publish(topic, { type: 'order.placed', data: { n }, key: `k${n}` })),
    );
    const deadline = Date.now() + 60_000;
    while (seen.size < 3) {
      if (Date.now() > deadline) throw new Error(`handled ${seen.size} of 3 events within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await bus.close();
  }
  console.log(`ok cjs ${name}: 3 events published and handled in ${Date.now() - started} ms`);
}

(async () => {
  for (const name of process.argv.slice(2)) await check(name);
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
