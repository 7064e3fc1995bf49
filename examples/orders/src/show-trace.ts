// Prints one trace from Jaeger's query API as a tree: `node src/show-trace.ts <trace id>`.
// For a Jaeger without its web UI (the one infra/ builds with `go install` serves the API only).
import { describeSpan, fetchTrace, type JaegerSpan, type JaegerTrace } from './e2e/jaeger-api.ts';

const traceId = process.argv[2];
const queryUrl = process.env.JAEGER_QUERY_URL ?? 'http://127.0.0.1:16686';
if (traceId === undefined || !/^[0-9a-f]{32}$/.test(traceId)) {
  console.error('usage: node src/show-trace.ts <32-hex-digit trace id>   (JAEGER_QUERY_URL, default :16686)');
  process.exit(2);
}

const SHOWN = [
  'messaging.system',
  'messaging.consumer.group.name',
  'messaging.message.id',
  'switchyard.message.key',
  'messaging.destination.partition.id',
  'messaging.kafka.offset',
  'switchyard.message.offset',
  'switchyard.stream.sequence',
  'switchyard.attempt',
  'messaging.batch.message_count',
  'error.type',
];

const trace = await fetchTrace(queryUrl, traceId, () => true, 10_000);
const children = new Map<string | undefined, JaegerSpan[]>();
const ids = new Set(trace.spans.map((s) => s.spanID));
for (const span of [...trace.spans].sort((a, b) => start(a) - start(b))) {
  const parent = span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
  const key = parent !== undefined && ids.has(parent) ? parent : undefined;
  children.set(key, [...(children.get(key) ?? []), span]);
}
console.log(`trace ${traceId}: ${trace.spans.length} spans`);
print(undefined, '');

function print(parent: string | undefined, indent: string): void {
  const list = children.get(parent) ?? [];
  list.forEach((span, i) => {
    const last = i === list.length - 1;
    console.log(`${indent}${last ? '└─' : '├─'} ${line(trace, span)}`);
    print(span.spanID, `${indent}${last ? '   ' : '│  '}`);
  });
}

function line(t: JaegerTrace, span: JaegerSpan): string {
  const { tags, service } = describeSpan(t, span);
  const kind = tags['span.kind'] ?? 'internal';
  const ms = (span.duration / 1000).toFixed(1);
  const attrs = SHOWN.filter((k) => tags[k] !== undefined).map((k) => `${k}=${tags[k]}`);
  const events = span.logs
    .map((l) => l.fields.find((f) => f.key === 'event')?.value)
    .filter((e) => e !== undefined);
  const links = span.references.filter((r) => r.refType === 'FOLLOWS_FROM').length;
  return [
    `${span.operationName} [${kind}] ${service} ${ms} ms`,
    tags.otel_status_code === 'ERROR' || tags.error === true ? 'ERROR' : '',
    events.length > 0 ? `events: ${events.join(', ')}` : '',
    links > 0 ? `links: ${links}` : '',
    attrs.join(' '),
  ]
    .filter(Boolean)
    .join('  ');
}

function start(span: JaegerSpan): number {
  return span.startTime;
}
