import { uuidv7 } from '../../../packages/core/src/uuid-v7.ts';

/**
 * The headers Switchyard writes in CloudEvents binary mode on Kafka, for the raw `+ce` variants and
 * the record-batch probe: the same number and size of headers, and ids made as core makes them (a
 * batch of them compresses as Switchyard's do), so "raw with headers" does the same wire work.
 */
export function ceHeaders(): Record<string, string> {
  return {
    ce_id: uuidv7(),
    ce_type: 'bench.event',
    ce_source: 'bench',
    ce_specversion: '1.0',
    ce_time: new Date().toISOString(),
    'content-type': 'application/json',
  };
}
