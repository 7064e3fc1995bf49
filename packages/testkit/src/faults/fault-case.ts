import type { FaultHarness } from './fault-harness.ts';
import type { FaultFigures } from './options.ts';

/** One fault scenario: what it needs to run, and how it runs; it returns its figures, the suite asserts on them. */
export interface FaultCase {
  /** Short id, used in topic names and RELIABILITY.md. */
  readonly scenario: string;
  /** The test's name: what the user sees. */
  readonly title: string;
  /** A broker process to fault; events kept across a crash; groups another process can resume. */
  readonly needs: {
    readonly broker?: boolean;
    readonly persistent?: boolean;
    readonly consumerGroups?: boolean;
  };
  run(h: FaultHarness): Promise<FaultFigures>;
}
