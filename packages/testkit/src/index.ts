export { runConformance } from './conformance.ts';
export { type FaultFigures, type FaultsBroker, type FaultsOptions, runFaults } from './faults.ts';
export { CaseHarness, type ConformanceOptions } from './harness.ts';
export { itemSchema } from './schema.ts';
export { errorOf, sleep, waitFor } from './wait.ts';
