import type { RunContext } from '../context.ts';
import type { Contender } from '../measure/interleave.ts';
import { KAFKA_MIN_RUN_MS, publishContender } from '../measure/publish.ts';
import type { Subject, SubjectConfig } from '../subjects/types.ts';

/**
 * One kafka-tuning row: concurrent publish with 1,000 in flight, on the run's brokers or on `env`'s;
 * in a full run each timed run lasts at least KAFKA_MIN_RUN_MS.
 */
export function tuningContender(
  ctx: RunContext,
  spec: {
    readonly scenario: string;
    readonly transport: string;
    readonly subject: Subject;
    readonly payloadBytes: number;
    readonly count: number;
    readonly config: SubjectConfig;
    readonly env?: Record<string, string>;
  },
): Contender {
  return publishContender(ctx, {
    ...spec,
    family: 'kafka-tuning',
    mode: 'concurrent',
    inFlight: 1_000,
    minRunMs: KAFKA_MIN_RUN_MS,
  });
}
