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

// A transport author leaving capabilities untested through the `capabilities` option.
runConformance({
  name: 'memory without groups',
  createTransport: () => memoryTransport(),
  capabilities: { consumerGroups: false, orderingScope: 'none', delayedRedelivery: false },
});

afterAll(() => {
  console.warn = warn;
  const skipped = (name: string, lacks: string) =>
    `[conformance] skipped "${name}": memory without groups does not claim ${lacks} this case needs`;
  expect(warned).toEqual([
    skipped('gives every event to each of two groups', 'the capability "consumerGroups"'),
    skipped('shares the work of one group between two subscribers', 'the capability "consumerGroups"'),
    skipped(
      'handles each key in publish order while keys run concurrently',
      'the capability "orderingScope" (it is \'none\')',
    ),
    skipped(
      'hands long retry delays back to the broker and keeps other keys flowing',
      'the capability "delayedRedelivery"',
    ),
    skipped(
      'loses nothing across close and re-subscribe',
      'the capabilities "persistent" and "consumerGroups"',
    ),
  ]);
});
