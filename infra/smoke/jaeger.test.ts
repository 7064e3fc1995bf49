import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { requireBroker } from '../env.ts';
import { eventually } from './helpers.ts';

const otlp = requireBroker('OTEL_EXPORTER_OTLP_ENDPOINT', 'jaeger');
const query = requireBroker('JAEGER_QUERY_URL', 'jaeger');

describe.skipIf(!otlp || !query)('jaeger (OTLP in, query API out)', () => {
  it('stores a span posted as OTLP/JSON and returns it from /api/traces/<id>', async () => {
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const start = BigInt(Date.now()) * 1_000_000n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'infra-smoke' } }] },
          scopeSpans: [
            {
              scope: { name: 'infra-smoke' },
              spans: [
                {
                  traceId,
                  spanId,
                  name: 'send smoke',
                  kind: 4, // PRODUCER
                  startTimeUnixNano: start.toString(),
                  endTimeUnixNano: (start + 2_000_000n).toString(),
                  attributes: [{ key: 'messaging.system', value: { stringValue: 'kafka' } }],
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${otlp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);

    type Trace = {
      spans: Array<{ spanID: string; operationName: string }>;
      processes: Record<string, { serviceName: string }>;
    };
    const trace = await eventually('the span in the Jaeger query API', async () => {
      const r = await fetch(`${query}/api/traces/${traceId}`);
      if (r.status !== 200) return undefined;
      const json = (await r.json()) as { data?: Trace[] };
      return json.data?.[0];
    });
    expect(trace.spans).toHaveLength(1);
    expect(trace.spans[0]).toMatchObject({ spanID: spanId, operationName: 'send smoke' });
    expect(Object.values(trace.processes)[0]?.serviceName).toBe('infra-smoke');
  });
});
