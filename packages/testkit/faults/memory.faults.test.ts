import { afterAll, expect } from 'vitest';
import { runFaults } from '../src/faults.ts';

// What a skipped case prints (CI's log shows it whatever the reporter), kept to be read at the end.
const warned: unknown[] = [];
const warn = console.warn;
console.warn = (...args: unknown[]) => {
  warned.push(args[0]);
  warn(...args);
};

// The in-memory transport has no broker process to crash or pause and keeps nothing across a
// process: every case needs one or the other, so each is skipped, saying why.
runFaults({ name: 'memory', adapter: new URL('./memory-adapter.ts', import.meta.url) });

afterAll(() => {
  console.warn = warn;
  expect(warned).toEqual([
    '[faults] skipped: memory does not claim the capability "persistent" and has no broker process of its own to fault, which "broker-restart" needs',
    '[faults] skipped: memory has no broker process of its own to fault, which "broker-late" needs',
    '[faults] skipped: memory does not claim the capability "persistent", which "consumer-kill" needs',
    '[faults] skipped: memory has no broker process of its own to fault, which "broker-pause" needs',
    '[faults] skipped: memory does not claim the capability "persistent", which "handler-crash" needs',
    '[faults] skipped: memory does not claim the capability "persistent", which "rolling-deploy" needs',
  ]);
});
