/**
 * The conformance suite every Switchyard transport runs (`runConformance`), for Vitest, and the
 * helpers its cases use.
 *
 * @packageDocumentation
 * @module @switchyard/testkit
 */
export { publishBurst } from './burst.ts';
export { runConformance } from './conformance.ts';
export {
  type FaultCase,
  type FaultFigures,
  FaultHarness,
  type FaultsBroker,
  type FaultsOptions,
  faultTest,
  runFaults,
  SteadyPublisher,
} from './faults.ts';
export { CaseHarness, type ConformanceOptions } from './harness.ts';
export { itemSchema } from './schema.ts';
export { errorOf, sleep, waitFor } from './wait.ts';
export { warningsDuring } from './warnings.ts';
