import { memoryTransport } from '@switchyard/core';
import { afterAll, expect } from 'vitest';
import { runConformance } from './conformance.ts';

// What a skipped case prints (CI's log shows it whatever the reporter), kept to be read at the end.
const warned: unknown[] = [];
const warn = console.warn;
console.warn = (...args: unknown[]) => {
  warned.push(args[0]);
  warn(...args);
};

// The in-memory transport keeps the whole contract inside one process.
runConformance({ name: 'memory', createTransport: () => memoryTransport() });

afterAll(() => {
  console.warn = warn;
  // Memory keeps nothing once its bus is closed: the persistence case skips, naming what it lacks.
  expect(warned).toEqual([
    '[conformance] skipped "loses nothing across close and re-subscribe": memory does not claim the capability "persistent" this case needs',
  ]);
});
