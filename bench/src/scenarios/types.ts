import type { RunContext } from '../context.ts';

export interface Scenario {
  /** Name on the command line, e.g. `publish`. */
  readonly id: string;
  /** Rows of one family share a table and a chart. */
  readonly family: string;
  readonly title: string;
  readonly transports: readonly string[];
  run(ctx: RunContext, transport: string): Promise<void>;
}

export const PAYLOADS = (quick: boolean): number[] => (quick ? [100] : [100, 1024]);
