import type { TransportCapabilities } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unclaimed } from './capabilities.ts';
import { brokerLate } from './faults/cases/broker-late.ts';
import { brokerPause } from './faults/cases/broker-pause.ts';
import { brokerRestart } from './faults/cases/broker-restart.ts';
import { consumerKill } from './faults/cases/consumer-kill.ts';
import { handlerCrash } from './faults/cases/handler-crash.ts';
import { rollingDeploy } from './faults/cases/rolling-deploy.ts';
import type { FaultCase } from './faults/fault-case.ts';
import { FaultHarness } from './faults/fault-harness.ts';
import type { FaultFigures, FaultsBroker, FaultsOptions } from './faults/options.ts';

declare module 'vitest' {
  interface TaskMeta {
    /** The figures of a fault case; the JSON reporter carries them to RELIABILITY.md. */
    faultFigures?: FaultFigures;
  }
}

const CASES: readonly FaultCase[] = [
  brokerRestart,
  brokerLate,
  consumerKill,
  brokerPause,
  handlerCrash,
  rollingDeploy,
];

/** Longest a case may take; each case bounds its own waits well below it. */
const CASE_TIMEOUT_MS = 150_000;

/**
 * Registers the faults suite for one transport with Vitest: the broker restarted on its data while
 * publishing and consuming, a service started before its broker, a consumer process killed with SIGKILL mid-stream, the broker paused
 * with SIGSTOP under load, a handler that exits its process, a rolling deploy of a consumer service
 * (each instance closed with SIGTERM, its successor started). Each case counts acknowledged, failed,
 * stored, lost and duplicated events, stalls and peak memory, puts them in the test's
 * `meta.faultFigures`, prints them, and fails when an acknowledged event was lost, a publish hung or
 * failed without a retriable error, or the order per key broke where the transport promises it.
 * Cases whose needs the transport does not meet (a broker process, persistence, consumer groups)
 * are skipped, saying why.
 */
export function runFaults(options: FaultsOptions): void {
  describe.skipIf(options.enabled === false)(`faults: ${options.name}`, () => {
    let broker: FaultsBroker | undefined;
    let capabilities: TransportCapabilities | undefined;
    beforeAll(async () => {
      broker = await options.broker?.();
      const probe = new FaultHarness(options, {} as TransportCapabilities, broker, 'probe');
      capabilities = { ...(await probe.transport()).capabilities, ...options.capabilities };
      await probe.cleanup();
    }, 240_000);
    afterAll(() => broker?.close(), 60_000);

    for (const fault of CASES) faultTest(options, fault, () => ({ broker, capabilities: capabilities! }));
  });
}

/**
 * Registers one fault case as a Vitest test with the suite's checks (nothing acknowledged lost,
 * every failure a retriable EventBusError, no publish left hanging, order per key where promised,
 * bounded memory), its figures in `meta.faultFigures`, and its cleanup. `context` gives the broker
 * and capabilities once the suite's `beforeAll` ran. For fault tests of a transport's own (a
 * cluster's certification), beside the suite.
 */
export function faultTest(
  options: FaultsOptions,
  fault: FaultCase,
  context: () => { broker: FaultsBroker | undefined; capabilities: TransportCapabilities },
  timeoutMs = CASE_TIMEOUT_MS,
): void {
  it(
    fault.title,
    async (ctx) => {
      const { broker, capabilities } = context();
      const missing = unmet(fault, capabilities, broker !== undefined);
      if (missing !== undefined) {
        const reason = `${options.name} ${missing}, which "${fault.scenario}" needs`;
        console.warn(`[faults] skipped: ${reason}`);
        ctx.skip(reason);
        return;
      }
      const h = new FaultHarness(options, capabilities, broker, fault.scenario);
      try {
        const figures = await fault.run(h);
        ctx.task.meta.faultFigures = figures;
        console.info(`[faults] ${options.name} ${fault.scenario}: ${JSON.stringify(figures)}`);
        expect(h.tally.lost().slice(0, 20), 'acknowledged events never handled').toEqual([]);
        expect(h.tally.badFailures, 'publishes that failed without a retriable error').toEqual([]);
        expect(figures.unsettled, 'publishes that never settled').toBe(0);
        expect(h.problems).toEqual([]);
        if (figures.orderViolations !== null) expect(figures.orderViolations, 'order per key').toBe(0);
        expect(figures.peakRssMiB).toBeLessThan(options.maxRssMiB ?? 1_024);
      } finally {
        await h.cleanup();
      }
    },
    timeoutMs,
  );
}

/** What of `fault`'s needs is missing (`does not claim the capability "persistent"`, …), or undefined. */
function unmet(fault: FaultCase, c: TransportCapabilities, hasBroker: boolean): string | undefined {
  const needs = (['persistent', 'consumerGroups'] as const).filter((need) => fault.needs[need] === true);
  const lacking = unclaimed(needs, c);
  const missing = [
    ...(lacking === undefined ? [] : [`does not claim ${lacking}`]),
    ...(fault.needs.broker === true && !hasBroker ? ['has no broker process of its own to fault'] : []),
  ];
  return missing.length === 0 ? undefined : missing.join(' and ');
}

export type { FaultCase } from './faults/fault-case.ts';
export { FaultHarness } from './faults/fault-harness.ts';
export type { FaultFigures, FaultsBroker, FaultsOptions } from './faults/options.ts';
export { SteadyPublisher } from './faults/publishers.ts';
