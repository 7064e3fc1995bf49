import type { TransportCapabilities } from '@switchyard/core';
import { afterEach, describe, it } from 'vitest';
import { type Capability, unclaimed } from './capabilities.ts';
import { batchCases } from './cases/batch.ts';
import { deadLetterCases } from './cases/dead-letter.ts';
import { deliveryCases } from './cases/delivery.ts';
import { errorCases } from './cases/errors.ts';
import { groupCases } from './cases/groups.ts';
import { lifecycleCases } from './cases/lifecycle.ts';
import { orderingCases } from './cases/ordering.ts';
import { retryCases } from './cases/retry.ts';
import { serviceCases } from './cases/service.ts';
import { CaseHarness, type ConformanceOptions } from './harness.ts';

type Case = (h: CaseHarness) => Promise<void>;

/** Which capabilities a group of cases needs; a transport that does not claim one skips exactly those. */
const SUITES: ReadonlyArray<{
  title: string;
  cases: Record<string, Case>;
  needs?: readonly Capability[];
}> = [
  { title: 'delivery', cases: deliveryCases },
  { title: 'consumer groups', cases: groupCases, needs: ['consumerGroups'] },
  { title: 'ordering by key', cases: orderingCases, needs: ['orderingScope'] },
  {
    title: 'retry',
    cases: {
      'redelivers an event after the handler throws':
        retryCases['redelivers an event after the handler throws'],
      'retries the configured number of times with growing backoff':
        retryCases['retries the configured number of times with growing backoff'],
    },
  },
  {
    title: 'delayed redelivery',
    cases: {
      'hands long retry delays back to the broker and keeps other keys flowing':
        retryCases['hands long retry delays back to the broker and keeps other keys flowing'],
    },
    needs: ['delayedRedelivery'],
  },
  { title: 'dead letter', cases: deadLetterCases },
  {
    title: 'lifecycle',
    cases: {
      'drains in-flight handlers on close': lifecycleCases['drains in-flight handlers on close'],
      'aborts handlers that outlive the drain deadline':
        lifecycleCases['aborts handlers that outlive the drain deadline'],
      'loses nothing from 10,000 concurrent publishes followed by close':
        lifecycleCases['loses nothing from 10,000 concurrent publishes followed by close'],
    },
  },
  {
    title: 'persistence',
    cases: {
      'loses nothing across close and re-subscribe':
        lifecycleCases['loses nothing across close and re-subscribe'],
    },
    needs: ['persistent', 'consumerGroups'],
  },
  { title: 'errors', cases: errorCases },
  { title: 'written like a service', cases: serviceCases },
  { title: 'batch handlers', cases: batchCases },
];

/**
 * Registers the conformance suite for one transport with Vitest. Every case uses its own topic,
 * closes what it opened, and bounds every wait. Cases a transport's capabilities do not claim are
 * skipped (and reported as skipped); cases it claims must pass.
 */
export function runConformance(options: ConformanceOptions): void {
  describe.skipIf(options.enabled === false)(`conformance: ${options.name}`, () => {
    let harness: CaseHarness | undefined;
    afterEach(async () => {
      await harness?.cleanup();
      harness = undefined;
    });
    let capabilities: TransportCapabilities | undefined;
    const caps = async (): Promise<TransportCapabilities> => {
      capabilities ??= { ...(await options.createTransport()).capabilities, ...options.capabilities };
      return capabilities;
    };
    for (const suite of SUITES) {
      describe(suite.title, () => {
        for (const [name, run] of Object.entries(suite.cases)) {
          it(name, async (ctx) => {
            const c = await caps();
            const lacking = unclaimed(suite.needs ?? [], c);
            if (lacking !== undefined) {
              const reason = `${options.name} does not claim ${lacking} this case needs`;
              // Printed as well: a skip must say why in CI's log, not only in a reporter that shows notes.
              console.warn(`[conformance] skipped "${name}": ${reason}`);
              ctx.skip(reason);
              return;
            }
            harness = new CaseHarness(options, c, name);
            await run(harness);
          }, 120_000);
        }
      });
    }
  });
}
