import { base } from '../context.ts';
import { measurePlan } from '../measure/plan.ts';
import { subjectsWithDriverPeers } from './driver-peers.ts';
import type { Scenario } from './types.ts';

/** The original plan's published starting point, for the table beside ours. */
export const PLAN_PUBLISHED: Readonly<
  Record<string, { msgPerSec: number; firstEventMs: number; delivered: number; client: string }>
> = {
  kafka: { msgPerSec: 6.8, firstEventMs: 251, delivered: 0.607, client: 'Go + Sarama, synchronous producer' },
  nats: { msgPerSec: 22.7, firstEventMs: 3, delivered: 1, client: 'Go + nats.go JetStream' },
};

/** The plan ran Kafka and NATS; Redis joins with its raw peer. */
export const PLAN_TRANSPORTS = ['kafka', 'nats', 'redis'] as const;

export const planScenario: Scenario = {
  id: 'plan',
  family: 'plan',
  title: 'The original plan’s method: subscribe, publish N, count what arrives within the window',
  transports: [...PLAN_TRANSPORTS],
  async run(ctx, transport) {
    const { available, missing } = await subjectsWithDriverPeers(ctx, transport);
    const counts = ctx.quick ? [300] : [300, 800, 1_500];
    const windowMs = ctx.quick ? 5_000 : 10_000;
    const config = transport === 'kafka' ? { preset: 'durable' } : {};
    for (const m of missing) {
      for (const n of counts) ctx.skip(base('plan', transport, m, 100, n, config), m.reason);
    }
    for (const subject of available) {
      await measurePlan(ctx, { transport, subject, counts, windowMs, payloadBytes: 100, config });
    }
  },
};
