import { consumeScenario } from './consume.ts';
import { coreScenario } from './core.ts';
import { kafkaTuningScenario } from './kafka-tuning.ts';
import { latencyScenario } from './latency.ts';
import { planScenario } from './plan.ts';
import { publishScenario } from './publish.ts';
import { tracingScenario } from './tracing.ts';
import type { Scenario } from './types.ts';

/** In run order. */
export const SCENARIOS: readonly Scenario[] = [
  coreScenario,
  tracingScenario,
  publishScenario,
  consumeScenario,
  latencyScenario,
  kafkaTuningScenario,
  planScenario,
];
