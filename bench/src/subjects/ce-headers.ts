import { randomUUID } from 'node:crypto';

/**
 * The headers Switchyard writes in CloudEvents binary mode on Kafka, for the raw `+ce` variants and
 * the record-batch probe: the same number and size of headers, so "raw with headers" does the same
 * wire work as Switchyard.
 */
export function ceHeaders(): Record<string, string> {
  return {
    ce_id: randomUUID(),
    ce_type: 'bench.event',
    ce_source: 'bench',
    ce_specversion: '1.0',
    ce_time: new Date().toISOString(),
    'content-type': 'application/json',
  };
}
