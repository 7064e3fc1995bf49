import type { StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { isEventBusError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { resolveNatsOptions } from './options.ts';
import { describeDifferences, planStream, streamDifferences } from './stream-config.ts';

const options = resolveNatsOptions({ topicDefaults: { duplicateWindowMs: 60_000 } });

describe('planStream', () => {
  it('makes one stream per topic with the topic as its only subject and the defaults filled in', () => {
    const plan = planStream({ name: 'orders.placed', strategy: 'create-or-update' }, options, false);
    expect(plan.stream).toBe('orders_placed');
    expect(plan.create).toMatchObject({
      name: 'orders_placed',
      subjects: ['orders.placed'],
      storage: 'file',
      retention: 'limits',
      num_replicas: 1,
      duplicate_window: nanos(60_000),
      max_age: 0,
      max_bytes: -1,
      max_msgs: -1,
    });
    expect(plan.requested).toEqual({});
  });

  it('maps the portable spec and the NATS extras to stream settings', () => {
    const plan = planStream(
      {
        name: 'audit',
        strategy: 'create-or-update',
        replicationFactor: 3,
        retentionMs: 3_600_000,
        retentionBytes: 1_000_000,
        maxMessages: 500,
        extra: {
          storage: 'memory',
          retention: 'workqueue',
          duplicateWindowMs: 5_000,
          discard: 'new',
          maxMessageBytes: 4096,
          stream: 'AUDIT',
        },
      },
      options,
      false,
    );
    expect(plan.stream).toBe('AUDIT');
    expect(plan.requested).toEqual({
      storage: 'memory',
      retention: 'workqueue',
      discard: 'new',
      num_replicas: 3,
      duplicate_window: nanos(5_000),
      max_age: nanos(3_600_000),
      max_bytes: 1_000_000,
      max_msgs: 500,
      max_msg_size: 4096,
    });
    expect(plan.create.storage).toBe('memory');
  });

  it('shortens the duplicate window to a shorter retention, as the server requires', () => {
    const plan = planStream({ name: 't', strategy: 'create-only', retentionMs: 5_000 }, options, false);
    expect(plan.create).toMatchObject({ max_age: nanos(5_000), duplicate_window: nanos(5_000) });
  });

  it('reports what NATS cannot honour instead of failing', () => {
    const plan = planStream(
      {
        name: 't',
        strategy: 'create-only',
        partitions: 4,
        cleanupPolicy: 'compact',
        compression: 'lz4',
        extra: { foo: 1 },
      },
      options,
      false,
    );
    expect(plan.ignored.join('\n')).toMatch(/partitions 4/);
    expect(plan.ignored.join('\n')).toMatch(/compact/);
    expect(plan.ignored.join('\n')).toMatch(/compression 'lz4'.*2\.10/);
    expect(plan.ignored.join('\n')).toMatch(/extra\.foo/);
  });

  it('compresses with s2 only where the server supports it', () => {
    expect(
      planStream({ name: 't', strategy: 'create-only', compression: 'zstd' }, options, true).requested
        .compression,
    ).toBe('s2');
  });

  it('rejects a setting of the wrong kind naming it', () => {
    try {
      planStream({ name: 't', strategy: 'create-only', extra: { storage: 'disk' } }, options, false);
      expect.unreachable();
    } catch (error) {
      expect(isEventBusError(error, 'INVALID_CONFIG') && error.details.field).toBe('extra.storage');
    }
  });
});

describe('streamDifferences', () => {
  it('lists only what the spec asked for and marks storage and retention as immutable', () => {
    const plan = planStream(
      { name: 't', strategy: 'validate-only', maxMessages: 10, extra: { storage: 'memory' } },
      options,
      false,
    );
    const actual = {
      ...plan.create,
      max_msgs: 20,
      storage: 'file',
      max_bytes: 99,
    } as unknown as StreamConfig;
    expect(streamDifferences(actual, plan)).toEqual([
      { field: 'storage', option: 'extra.storage', wanted: 'memory', actual: 'file', mutable: false },
      { field: 'max_msgs', option: 'maxMessages', wanted: 10, actual: 20, mutable: true },
    ]);
  });
});

describe('describeDifferences', () => {
  it('names the spec field and gives durations in a readable unit with their ms', () => {
    const plan = planStream(
      { name: 't', strategy: 'validate-only', retentionMs: 90_000, extra: { duplicateWindowMs: 1_500 } },
      options,
      false,
    );
    const actual = { ...plan.create, max_age: 0, duplicate_window: nanos(120_000) } as StreamConfig;
    expect(describeDifferences(streamDifferences(actual, plan))).toBe(
      "extra.duplicateWindowMs wants 1.5 s (1500 ms), the stream's duplicate_window is 2 min (120000 ms); " +
        "retentionMs wants 1.5 min (90000 ms), the stream's max_age is unlimited (0)",
    );
  });
});
