// Wakes an open-loop sender when its next event is due, to within about 0.1 ms, without spinning.
//
// Node's setTimeout counts whole milliseconds against a loop clock read once per loop turn, so a
// sender that sleeps with it wakes 1–2.5 ms after the due time at p99 (measured in every subject's
// latency runs). The latency harness stamps each event with its scheduled time, so that lateness
// was counted as every subject's latency. Here a worker thread sleeps in Atomics.wait, which takes
// fractional milliseconds, and notifies the sender's Atomics.waitAsync when the time has come,
// which wakes the sender's event loop at once. Stalls of the sender's own thread (GC, a busy core) still delay the
// send and still count, because events keep carrying their scheduled time.
import { Worker } from 'node:worker_threads';

// The two threads share four int32 cells: the sender writes a request (a sequence number, with the
// deadline beside it as a float64) and waits asynchronously on DONE; the sleeper thread waits on
// REQUEST, sleeps until the deadline, stores the sequence number in DONE and notifies. No message
// is serialized either way, and the sender's thread is woken by V8's own task for the notify.
const REQUEST = 0;
const DONE = 1;
const STOP = -1;
/** How long past its deadline a sleep waits for the sleeper's notify before it looks at DONE again. */
const RECHECK_MS = 50;

const THREAD = `
const { workerData } = require('node:worker_threads');
const cells = new Int32Array(workerData, 0, 4);
const deadline = new Float64Array(workerData, 16, 1);
const idle = new Int32Array(new SharedArrayBuffer(4));
let seen = 0;
for (;;) {
  Atomics.wait(cells, ${REQUEST}, seen);
  seen = Atomics.load(cells, ${REQUEST});
  if (seen === ${STOP}) break;
  const left = deadline[0] - Number(process.hrtime.bigint()) / 1e6;
  if (left > 0) Atomics.wait(idle, 0, 0, left);
  Atomics.store(cells, ${DONE}, seen);
  Atomics.notify(cells, ${DONE});
}
`;

/** Milliseconds on the clock both threads share (libuv's monotonic high-resolution clock). */
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

export interface Pacer {
  /** Resolves `ms` milliseconds from now (fractions honoured). */
  sleep(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A pacer on a sleeping worker thread; one sleep at a time. The thread starts in the background:
 * `await pacer.sleep(0)` once before timing anything, or the first sleep includes its start-up.
 * close() it when done: the thread keeps the process alive until then.
 */
export function threadPacer(): Pacer {
  const shared = new SharedArrayBuffer(24);
  const cells = new Int32Array(shared, 0, 4);
  const deadline = new Float64Array(shared, 16, 1);
  // Not unref'd: a pending Atomics.waitAsync does not keep the event loop alive, the thread does
  // (until close()).
  const worker = new Worker(THREAD, { eval: true, workerData: shared });
  let seq = 0;
  let pending = false;
  // Waits on the value it has just checked: reading DONE a second time for waitAsync's expected
  // value would, if the sleeper stored `id` in between, wait for a notify that had already been sent
  // (a full bench run hung a sender that way once). The timeout is a second guard: re-check.
  const done = async (id: number, ms: number) => {
    for (let seen = Atomics.load(cells, DONE); seen !== id; seen = Atomics.load(cells, DONE)) {
      const wait = Atomics.waitAsync(cells, DONE, seen, ms + RECHECK_MS);
      if (wait.async) await wait.value;
    }
  };
  return {
    sleep(ms) {
      if (pending) throw new Error('threadPacer: one sleep at a time');
      pending = true;
      const id = ++seq;
      deadline[0] = nowMs() + ms;
      Atomics.store(cells, REQUEST, id);
      Atomics.notify(cells, REQUEST);
      return done(id, Math.max(0, ms)).finally(() => {
        pending = false;
      });
    },
    async close() {
      Atomics.store(cells, REQUEST, STOP);
      Atomics.notify(cells, REQUEST);
      await worker.terminate();
    },
  };
}

/** setTimeout's millisecond sleeps (the harness before the pacer; `BENCH_SENDER_TIMER=settimeout`). */
export function timerPacer(): Pacer {
  return {
    sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
    close: async () => undefined,
  };
}

/**
 * The shortest sleep an open-loop sender takes. At 10,000 events/s an event is due every 0.1 ms;
 * waking for each would cost the sender a thread round trip (~20 µs of its CPU) per event on a
 * 2-core machine whose broker and consumer need the cores. A quarter millisecond keeps wake-ups to
 * 4,000/s there, so an event is at most ~0.25 ms late by design (setTimeout: 1–2.5 ms at p99).
 */
export const MIN_SLEEP_MS = 0.25;

/** The sender's pacer: the thread one unless `BENCH_SENDER_TIMER=settimeout` asks for the old timer. */
export function senderPacer(env: NodeJS.ProcessEnv = process.env): Pacer {
  return env.BENCH_SENDER_TIMER === 'settimeout' ? timerPacer() : threadPacer();
}

/**
 * Calls `send(i, dueAt)` for i = 0 … count − 1 at `rate` per second, open loop: an event is sent
 * when it is due whether or not earlier sends have completed, and events that fell due while the
 * sender was asleep or stalled go out at once. `dueAt` is the event's scheduled time on the wall
 * clock (performance.timeOrigin + performance.now(), as stats.ts' wallNowMs). Returns the elapsed
 * ms and the wall-clock start.
 */
export async function sendOpenLoop(
  count: number,
  rate: number,
  send: (i: number, dueAt: number) => void,
  pacer: Pacer = senderPacer(),
): Promise<{ elapsedMs: number; startedWall: number }> {
  await pacer.sleep(0);
  const started = performance.now();
  const startedWall = performance.timeOrigin + started;
  const interval = 1000 / rate;
  let sent = 0;
  try {
    while (sent < count) {
      const due = Math.min(count, Math.floor((performance.now() - started) / interval) + 1);
      for (; sent < due; sent++) send(sent, startedWall + sent * interval);
      if (sent < count)
        await pacer.sleep(Math.max(MIN_SLEEP_MS, sent * interval - (performance.now() - started)));
    }
  } finally {
    await pacer.close();
  }
  return { elapsedMs: performance.now() - started, startedWall };
}
