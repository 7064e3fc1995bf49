import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_DIR } from '../env.ts';
import type { Results } from '../results.ts';
import type { Scenario } from '../scenarios/types.ts';
import { fmtNum } from './format.ts';
import { familyChart } from './svg.ts';
import { familyTable } from './tables.ts';
import { targetsTable } from './targets.ts';

/** What each family measures, in words, for BENCHMARKS.md. */
const MEANING: Record<string, string> = {
  core: 'One process, in-memory transport: `bus.emit` of JSON events (256 keys, ordering by key, 16 handlers at once) until the handler has seen every one. The bare loop does only what any in-process bus must (JSON encode, per-key FIFO, async handler call, JSON decode); "core overhead" is Switchyard’s µs/event minus the bare loop’s — envelope, UUIDv7 id, CloudEvents headers, buffer accounting, metrics hooks, scheduler and ack bookkeeping.',
  tracing:
    'The same work with tracing `off` (bus option `tracing: false`), `api` (tracing on, no SDK registered: the no-op API), `unsampled` (the SDK below with a parent-based always-off sampler: all the bus does for tracing — sampling decisions, trace context in every event’s headers, handler contexts — without a span recorded), `sampled` (OpenTelemetry SDK, parent-based 10 % TraceIdRatio sampler, BatchSpanProcessor with SDK defaults, exporter that drops spans) and `always` (every trace sampled). In-memory: publish→handle in one process. Brokers: concurrent publish (1,000 in flight) from a producer process. Cost = 1 − rate/rate(off). Events published outside any trace share one `send` span per topic and transport send (the default `tracing.rootSpans`, per-send), so a sampled send records a `process` span for each of its events: `sampled` − `unsampled` is the SDK recording the spans of the sampled 10 %.',
  publish:
    'A producer process alone. `sequential`: await each publish before the next (latency-bound: one round trip per event). `concurrent`: keep 1,000 publishes in flight (Switchyard: 1,000 concurrent `bus.publish`; raw kafkajs: `sendBatch` of the preset’s batch size but at most 1,000 events, as many batches in flight as 1,000 events fill; raw NATS: 1,000 pipelined `js.publish`; raw ioredis: one `pipeline()` of 1,000 XADDs at a time; raw @platformatic/kafka: `send` of the preset’s batch size, and as its own row, `one send per event`: 1,000 concurrent `send`s of one message, the call shape of Switchyard’s row). `batch` (Kafka): the client’s batch call of 1,000 events, one call at a time (Switchyard: `bus.publishBatch`; raw kafkajs: `sendBatch`; raw @platformatic/kafka: `send` of 1,000 messages); nats.js and ioredis have no batch call. `emit`: Switchyard’s fire-and-forget `bus.emit`, timed until its publish buffer is empty (raw peers: every send issued without awaiting, then all awaited). Kafka runs the adapter’s `durable` preset (acks all, idempotent, LZ4, 1,000-event batches; its linger as the adapter defines it) and raw kafkajs the same acks, idempotence, compression and batch size; the Java tool runs ProducerPerformance with the same acks, idempotence, linger, batch.size and compression. × raw and × Java are Switchyard’s rate over the peer’s in the same run.',
  consume:
    'A producer process fills a topic (3 partitions / one stream), then a separate consumer process reads it from the beginning with a fresh group: rate = events / (last arrival − first arrival), so the group join is left out. Switchyard subscribes with concurrency 64 and key ordering (every event goes through the keyed scheduler and is acknowledged/committed); raw kafkajs (minimal) uses `eachBatch`; raw NATS (minimal) a durable pull consumer with `consume()` and explicit acks; raw ioredis a blocking `XREADGROUP … COUNT 1000` and one `XACK` per batch; Java runs ConsumerPerformance (fetch.nMsg.sec). The `same work` rows (`× raw (same work)`) do with the raw client what a subscription does: read the CloudEvents headers, decode the JSON data, handle one event per key at a time with 64 keys at once, and acknowledge (NATS, each event; Redis, one XACK per burst of handled entries) or commit (Kafka, only contiguously handled offsets) what was handled.',
  latency:
    'Producer and consumer in separate processes on one machine. The producer sends at a fixed rate (open loop: a send is never held back waiting for an ack) and puts each event’s *scheduled* send time (wall clock, performance.timeOrigin + now) in the payload; the consumer records arrival − scheduled time per event. Stamping the schedule rather than the actual send keeps a stalled producer from hiding its own delay (coordinated omission); the sender sleeps between sends on a worker thread (`Atomics.wait`, fractions of a millisecond) rather than `setTimeout`, whose whole-millisecond timers woke it 1.4–2.5 ms late at p99 for every subject, so what remains of the sender in a percentile is its own stalls and at most ~0.25 ms (its shortest sleep, `bench/src/pacer.ts`). Percentiles are over all events of a run, then the median over runs (min–max of the p99 shown). Every subject of a transport and payload is started and warmed up first, then their runs are interleaved (at each rate run 1 of each, then run 2 of each, one subject later each round), so a burst of load from elsewhere lands on all of them alike; at 1,000/s and 10,000/s a full run makes at least 5 runs per subject. Each event is sent without awaiting its ack (Switchyard: `bus.publish` not awaited; raw clients: their publish call not awaited). Kafka: `latency` preset (no linger, acks all, no compression, 100 ms max fetch wait) for Switchyard and the same for raw kafkajs, which has no linger and sends one request per event, and for raw @platformatic/kafka (the platformatic driver’s own client); their consumers decode the data only. NATS: raw @nats-io/jetstream (minimal) sends `js.publish` without headers into a stream like the adapter’s default (file storage, limits retention) and consumes with a durable pull consumer’s `consume()`, decoding the data and acking each message; raw @nats-io/jetstream, same work, sends what Switchyard sends — the CloudEvents headers and the event id as `Nats-Msg-Id`, so the server parses a header block and keeps every id in the stream’s 2-minute duplicate window, as for Switchyard’s events — and its consumer does a subscription’s work: reads the CloudEvents headers, decodes the JSON data, handles one event per key at a time with 64 keys at once and acks each event once handled. Issue 15’s 10,000/s target compares Switchyard with the same-work peer, with the ratio to raw minimal beside it. Redis: raw ioredis sends one XADD per event (`MAXLEN ~ 1000000`, fields `key` and `data`) and reads with a blocking `XREADGROUP … COUNT 1000`, one XACK per batch.',
  'kafka-tuning':
    'Concurrent publish (1,000 in flight) per Kafka preset at 100 B and 1 KiB (the three presets’ runs interleaved with one another), and at 1 KiB per codec on the `durable` preset and with the original plan’s settings (linger 10 ms, 100-event / 100 KB batches, LZ4, acks all, fetch min 100 KB, max wait 500 ms). Raw kafkajs sends with the same acks, idempotence, compression and batch size; Java with the same producer properties. The `e2e` rows are end-to-end latency at 1,000 events/s with that configuration’s consumer fetch settings. The padded JSON payload compresses well, so codec figures flatter compression a little compared with real events. The `preset-*` rows run on the single loopback broker, where a topic has one replica: `acks: all` then waits for no follower, and `durable` (acks all, idempotent, 1 request in flight) and `throughput` (acks leader, not idempotent, 5 in flight) send the very same requests (~960 events each, the 1,000 in flight spread over 3 partitions), so their order there is the machine’s noise. The `cluster-preset-*` rows run the same three presets, interleaved with one another, on the 3-node cluster (`infra/up kafka-cluster`, all nodes on this machine) with a topic of 3 partitions, replication factor 3 and `min.insync.replicas` 2, for Switchyard on both drivers and raw kafkajs and raw @platformatic/kafka with the same settings (no Java there): each partition has its own leader, and an `acks: all` request is answered only once a follower has fetched its batch (one more broker-to-broker round trip), while `acks: leader` is answered when the leader has written it: that halves a lone publish’s round trip (~1.9 → ~0.95 ms), but with 1,000 in flight the brokers and the producer share this machine’s 2 cores, CPU sets the pace, and both presets cost the same per event (bench/README.md, branch kpre). × raw compares rows of the same setup only.',
  plan: 'The original plan’s method: subscribe (fresh topic and group), publish N events at once (all concurrent), count what arrives within the window (10 s), throughput = arrived / (last arrival − publish start), first-event latency = first arrival − its send time. There is no warm-up, so the first run also pays the consumer’s group join, as in the plan; five runs per N (at least; one producer/consumer pair per subject, the first run of N = 300 in fresh processes), the median and each run in order shown; every producer is connected when opened (Switchyard with `bus.connect()`, the raw clients with their own connect), so no subject’s first event pays for the producer’s connection. Beside it, the plan’s published starting point (Go + Sarama; Go NATS JetStream; the plan had no Redis). Redis and the raw @platformatic/kafka client (under the platformatic driver) joined later.',
};

export interface WriteOptions {
  readonly dir: string;
  readonly benchmarksMd: string | undefined;
  readonly scenarios: readonly Scenario[];
}

export function writeResults(results: Results, options: WriteOptions): string[] {
  mkdirSync(options.dir, { recursive: true });
  const written: string[] = [];
  const put = (path: string, text: string) => {
    writeFileSync(path, text);
    written.push(relative(REPO_DIR, path));
  };
  put(join(options.dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  const sections: string[] = [];
  const families = [...new Set(options.scenarios.map((s) => s.family))];
  for (const family of families) {
    if (!results.rows.some((r) => r.family === family)) continue;
    const title = options.scenarios.find((s) => s.family === family)!.title;
    const md = `## ${title}\n\n${MEANING[family] ?? ''}\n\n${familyTable(family, results.rows)}\n`;
    put(join(options.dir, `${family}.md`), md);
    const svg = familyChart(family, title, results.rows);
    let image = '';
    if (svg !== undefined) {
      const svgPath = join(options.dir, `${family}.svg`);
      put(svgPath, svg);
      image = `\n![${family} chart](${relative(REPO_DIR, svgPath)})\n`;
    }
    sections.push(`${md}${image}`);
  }
  if (options.benchmarksMd !== undefined) put(options.benchmarksMd, benchmarksMd(results, sections));
  formatMarkdown(written.filter((f) => f.endsWith('.md')));
  return written;
}

/**
 * The repository's formatter (Biome) aligns Markdown tables; run it on what was written so
 * `pnpm lint` accepts the generated files as they are. Best effort: without Biome they stay valid Markdown.
 */
function formatMarkdown(files: readonly string[]): void {
  if (files.length === 0) return;
  const biome = join(REPO_DIR, 'node_modules', '.bin', 'biome');
  const result = spawnSync(biome, ['format', '--write', ...files], {
    cwd: REPO_DIR,
    stdio: 'ignore',
    timeout: 60_000,
  });
  if (result.status !== 0) process.stderr.write(`note: biome format did not run on ${files.join(', ')}\n`);
}

function benchmarksMd(results: Results, sections: readonly string[]): string {
  const m = results.machine;
  const skipped = results.rows.filter((r) => r.skipped !== undefined);
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Generated by `pnpm bench` (bench/src/report/write.ts). Do not edit by hand: rerun the benchmark. -->',
    '',
    `Generated ${results.generatedAt} by \`${results.command}\` in ${fmtNum(results.durationSec / 60, 1)} minutes${results.quick ? ' (quick: smaller runs, one repetition)' : ''}, at revision ${results.revision ?? 'unknown'}${results.revision?.endsWith('+dirty') ? ' (`+dirty`: packages had uncommitted work in progress, measured as it stood)' : ''}.`,
    ...(results.updates ?? []).map(
      (u) =>
        `Then \`${u.command}\` (${u.generatedAt}, ${fmtNum(u.durationSec / 60, 1)} min, load ${u.loadAverageAtStart.join(' / ')}${u.revision === undefined ? '' : `, at revision ${u.revision}`}) re-measured ${u.families.join(', ')} on ${u.transports.join(', ')}; those tables come from that run.`,
    ),
    '',
    'Raw rows: [bench/results/latest.json](bench/results/latest.json). Within each table every figure comes from one run, so ratios compare subjects measured side by side on the same broker.',
    '',
    '## Machine',
    '',
    `- ${m.cores} cores, ${m.cpuModel}, ${m.memoryGb} GiB RAM, ${m.os}`,
    `- Node ${m.node}; ${Object.entries(m.clients)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}`,
    ...Object.entries(results.transports).map(
      ([t, s]) => `- ${t}: ${s.ok ? s.info : `not measured — ${s.info}`}`,
    ),
    `- Load average (1 / 5 / 15 min) at start: ${m.loadAverageAtStart.join(' / ')}${m.loadAverageAtEnd ? `, at end: ${m.loadAverageAtEnd.join(' / ')}` : ''}. Brokers, producers and consumers share these ${m.cores} cores, and other work (test suites) may run beside the benchmark: absolute figures move with that load (see the load average) — the min–max columns show how much. The runs of the subjects compared in one table are interleaved (run 1 of each, then run 2 of each, in rotating order), so such load hits all of them alike and the ratios stay meaningful even when absolute figures move.`,
    '',
    '## Targets',
    '',
    targetsTable(results.rows),
    '',
    '## How to read the numbers',
    '',
    '- **msg/s**: events per second in a timed run after a warm-up, median of the runs (min–max in brackets). One run = one timed batch of `messages` events.',
    '- **MB/s**: msg/s × payload bytes (the JSON `data`; headers and framing not counted).',
    '- **p50 / p99 / p99.9**: end-to-end latency percentiles (publish call → handler) across a run’s events; median over runs.',
    '- **delivered**: share of sent events that arrived (lowest over runs); in the plan table, within the window.',
    '- **peak RSS**: the largest resident set of the producer / consumer process over the whole scenario (the JVM’s for Java rows).',
    '- **× raw / × Java**: Switchyard’s msg/s divided by the raw client’s / the Java tool’s in the same scenario and payload. Above 1 is faster.',
    '- Payloads are JSON objects padded to 100 B or 1 KiB; Switchyard adds CloudEvents headers (id, type, source, time, …) on top, which the raw clients do not send.',
    '',
    ...sections.flatMap((s) => [s, '']),
    ...(skipped.length === 0
      ? []
      : [
          '## Not measured in this run',
          '',
          ...skipped.map(
            (r) => `- ${r.scenario} · ${r.transport} · ${r.subject} · ${r.payloadBytes} B: ${r.skipped}`,
          ),
          '',
        ]),
  ];
  return `${lines.join('\n')}\n`;
}
