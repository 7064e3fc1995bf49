export { runConformance } from './conformance.ts';
export { CaseHarness, type ConformanceOptions } from './harness.ts';
export { itemSchema } from './schema.ts';
export { errorOf, sleep, waitFor } from './wait.ts';
