import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { kafka } from './kafka.ts';

describe('printing a Kafka transport', () => {
  it('shows where and how it connects, the driver included, with the password as ***', () => {
    const transport = kafka({
      brokers: ['127.0.0.1:9092'],
      driver: 'platformatic',
      sasl: { mechanism: 'plain', username: 'svc', password: 'hunter2-secret' },
      logLevel: 'silent',
    });
    const shown = inspect(transport);
    // The driver was missing: health() named it, printing the transport did not.
    expect(shown).toContain("driver: 'platformatic'");
    expect(shown).toContain("groupProtocol: 'classic'");
    expect(shown).toContain("password: '***'");
    expect(shown).not.toContain('hunter2-secret');
    expect(JSON.stringify(transport)).toContain('"driver":"platformatic"');
    expect(JSON.stringify(transport)).not.toContain('hunter2-secret');
  });
});
