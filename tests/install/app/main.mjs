// An application outside the Switchyard workspace that sees only the installed packages: plain
// ESM JavaScript, public specifiers only. For each transport named on the command line it
// publishes typed events, consumes them in one group, lets a second group's handler fail with
// retry off and reads the dead letters back from `<topic>.dlq`. It exits 0 on its own (nothing
// left open) when every check passed, and 1 with the reason otherwise.
//
//   node main.mjs memory kafka nats      (KAFKA_BROKERS, NATS_URL, REDIS_URL give the addresses)
import { createEventBus, DLQ_HEADERS, defineEvent, isEventBusError, memoryTransport } from '@switchyard/core';
import { z } from 'zod';

const OrderPlaced = defineEvent('order.placed', z.object({ orderId: z.string(), total: z.number() }));

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** One factory per transport name; an adapter is imported only when its transport runs. */
const TRANSPORTS = {
  memory: async () => memoryTransport(),
  kafka: async () => {
    // The entry an application that uses kafkajs itself imports first: it resolves from the
    // installed package and puts the kafkajs driver's encoder into the installed kafkajs.
    const { encoderPatch } = await import('@switchyard/adapter-kafka/kafkajs');
    if (encoderPatch !== 'full')
      throw new Error(`@switchyard/adapter-kafka/kafkajs: encoder patch '${encoderPatch}', expected 'full'`);
    const { kafka } = await import('@switchyard/adapter-kafka');
    // Errors only, to the console (core's Logger shape): the app's own output stays readable.
    return kafka({
      brokers: env('KAFKA_BROKERS').split(','),
      clientId: 'install-test',
      logger: console,
      logLevel: 'error',
    });
  },
  nats: async () => {
    const { nats } = await import('@switchyard/adapter-nats');
    return nats({ servers: env('NATS_URL') });
  },
  // Any adapter by its SWITCHYARD_TRANSPORT name, configured from the environment (REDIS_URL):
  // the path @switchyard/core/di takes, for an adapter that is installed.
  redis: async () => {
    const { loadTransport } = await import('@switchyard/core/di');
    return loadTransport('redis', process.env);
  },
};

/** Resolves once `done()` holds; rejects after `timeoutMs`, saying what it waited for. */
async function until(what, done, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The error `fn` throws or rejects with, or undefined. */
async function rejectionOf(fn) {
  try {
    await fn();
    return undefined;
  } catch (error) {
    return error;
  }
}

async function check(name) {
  const create = TRANSPORTS[name];
  if (create === undefined)
    throw new Error(`unknown transport ${name}: use ${Object.keys(TRANSPORTS).join(', ')}`);
  const started = Date.now();
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const topic = `install.${name}.${run}`;
  const bus = createEventBus({ source: 'install-test', transport: await create(), onError: () => {} });
  try {
    await bus.ensureTopic({ name: topic, partitions: 2 });
    await bus.ensureTopic({ name: `${topic}.dlq`, partitions: 1 });

    const billed = new Map();
    await bus.subscribe(
      topic,
      OrderPlaced,
      async (event) => {
        billed.set(event.data.orderId, event.data.total);
      },
      { group: 'billing' },
    );
    await bus.subscribe(
      topic,
      OrderPlaced,
      async () => {
        throw new Error('card declined');
      },
      { group: 'payments', retry: false },
    );
    const deadLetters = [];
    await bus.subscribe(
      `${topic}.dlq`,
      OrderPlaced,
      async (event) => {
        deadLetters.push(event);
      },
      { group: 'dlq-reader', deadLetter: false },
    );

    const orders = ['o-1', 'o-2', 'o-3'];
    const receipts = await Promise.all(
      orders.map((orderId, n) =>
        bus.publish(topic, OrderPlaced({ orderId, total: 10 * (n + 1) }, { key: orderId })),
      ),
    );
    if (receipts.some((r) => r.topic !== topic || typeof r.id !== 'string'))
      throw new Error(`unexpected receipts ${JSON.stringify(receipts)}`);

    // Typed events are checked on publish: bad data is refused with a clear error.
    const refused = await rejectionOf(() => bus.publish(topic, OrderPlaced({ orderId: 42, total: 'lots' })));
    if (!isEventBusError(refused) || refused.code !== 'SCHEMA_VALIDATION')
      throw new Error(`an invalid event was not refused with SCHEMA_VALIDATION: ${refused}`);

    await until('billing to handle 3 orders', () => billed.size === orders.length);
    if (billed.get('o-2') !== 20) throw new Error(`billing saw ${JSON.stringify([...billed])}`);

    await until(`3 dead letters on ${topic}.dlq`, () => deadLetters.length === orders.length);
    for (const letter of deadLetters) {
      const reason = letter.headers[DLQ_HEADERS.reason];
      const message = letter.headers[DLQ_HEADERS.errorMessage];
      const group = letter.headers[DLQ_HEADERS.group];
      if (reason !== 'handler-failed' || message !== 'card declined' || group !== 'payments')
        throw new Error(`unexpected dead letter headers ${JSON.stringify(letter.headers)}`);
      if (!orders.includes(letter.data.orderId))
        throw new Error(`unexpected dead letter ${JSON.stringify(letter)}`);
    }
  } finally {
    await bus.close();
  }
  console.log(
    `ok ${name}: 3 published, 3 consumed, 3 dead-lettered and read back (${Date.now() - started} ms)`,
  );
}

const names = process.argv.slice(2);
if (names.length === 0) names.push('memory');
try {
  for (const name of names) await check(name);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
