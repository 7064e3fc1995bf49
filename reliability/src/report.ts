import type { ReliabilityResults, ScenarioResult } from './results.ts';

/** What each scenario does, in words, for RELIABILITY.md. */
const SCENARIOS: Record<string, string> = {
  'broker-restart':
    'One service (the test process) publishes a steady keyed stream (batches of 50 awaited, 20 ms apart, 16 keys) and consumes it in one group; the broker is killed with SIGKILL, left down 2 s and started again on its data (`infra/service kill` + `start`).',
  'broker-late':
    'A service (the test process) starts while its broker is down: its first publish must fail with a retriable error; the broker starts 2 s later, and the same bus must reach it by itself — ensureTopic and subscribe retried while it backs off — then publish and consume the steady stream. (The Redis transport never connected after a refused first connect.)',
  'consumer-kill':
    'The test process publishes the steady stream; a consumer service process (its handler takes 2 ms) is killed with SIGKILL after 300 events, and a second process of the same group takes over. Events the dead one held come back when its lease or session expires.',
  'broker-pause':
    'A publisher service process offers a constant rate without awaiting (its publish buffer sized to 2 s of that traffic, half a second more may wait for room); the broker is paused with SIGSTOP and continued with SIGCONT. Publishes beyond the buffer fail fast with a retriable BUFFER_FULL; every publish must settle within 60 s of stopping. The test process consumes.',
  'handler-crash':
    'A consumer service process ends itself (`process.exit(3)` in the handler) on one event, before acknowledging it; a second process of the group must get that event again, and everything else.',
  'rolling-deploy':
    'The test process publishes the steady stream; two consumer service processes of one group (handler 2 ms) are replaced one at a time as an orchestrator does it: the old one gets SIGTERM and closes its bus, then its successor starts and handles 300 events. A graceful handover must lose nothing and hand nothing already handled to the next owner: duplicates must be 0.',
  'cluster-certification':
    'The Kafka 3-node certification (after Dapr’s): keyed publishing with acks all (`preset: durable`) to a topic with 3 partitions replicated on all 3 nodes (`min.insync.replicas` 2), a group consuming throughout; node 1 stops (controlled shutdown: one down), node 2 is killed (quorum lost), node 3 is killed (all down for 30 s), then all start again. Publishes while fewer than 2 replicas are in sync must fail with a retriable error; every acknowledged event must be handled in key order.',
};

const fmt = (n: number) => n.toLocaleString('en-US');
const secs = (n: number) => n.toFixed(1);
const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function resultCell(s: ScenarioResult): string {
  if (s.status === 'passed') return 'pass';
  return `**FAIL**: ${cell(s.failure ?? 'see the test log')}`;
}

function scenarioTable(scenarios: readonly ScenarioResult[]): string {
  const head =
    '| transport | scenario | result | acked | failed (reported) | stored | lost | duplicates | order violations | publish stall s | longest publish s | consume stall s | fault s | peak RSS MiB | case s |\n' +
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const rows = scenarios.map((s) =>
    [
      s.transport,
      s.scenario,
      resultCell(s),
      fmt(s.acknowledged),
      fmt(s.failedReported),
      fmt(s.stored),
      s.lost === 0 ? '0' : `**${fmt(s.lost)}**`,
      fmt(s.duplicated),
      s.orderViolations === null ? 'not promised' : fmt(s.orderViolations),
      secs(s.publishStallSeconds),
      secs(s.longestPublishSeconds),
      secs(s.consumeStallSeconds),
      secs(s.faultSeconds),
      `${fmt(s.peakRssMiB)} (${s.rssOf})`,
      secs(s.seconds),
    ].join(' | '),
  );
  return [head, ...rows.map((r) => `| ${r} |`)].join('\n');
}

function notesList(scenarios: readonly ScenarioResult[]): string {
  return scenarios
    .map((s) => {
      const failures = Object.entries(s.failures)
        .map(([label, count]) => `${fmt(count)} ${label}`)
        .join(', ');
      const parts = [failures === '' ? 'no publish failed' : `failed: ${failures}`, ...s.notes];
      return `- **${s.transport}, ${s.scenario}**: ${parts.join('; ')}.`;
    })
    .join('\n');
}

function updateLines(r: ReliabilityResults): string {
  return (r.updates ?? [])
    .map(
      (u) =>
        `\nThen \`${u.command}\` (${u.generatedAt}, ${secs(u.durationSeconds / 60)} minutes, revision ${u.revision}, load ${u.machine.loadAverageAtStart.join(' / ')} at start) re-ran ${u.files.join(', ')}; the rows of ${u.files.length === 1 ? 'that file' : 'those files'} come from that run.`,
    )
    .join('');
}

/** RELIABILITY.md from one run's results (and the partial runs merged into it). */
export function reliabilityMd(r: ReliabilityResults): string {
  const lost = r.scenarios.reduce((sum, s) => sum + s.lost, 0);
  const failed = r.scenarios.filter((s) => s.status === 'failed').length;
  const verdict =
    lost === 0 && failed === 0
      ? `**0 acknowledged events lost** in all ${r.scenarios.length} scenarios; every scenario passed.`
      : `**${fmt(lost)} acknowledged events lost; ${failed} of ${r.scenarios.length} scenarios failed** — see the table.`;
  const used = [...new Set(r.scenarios.map((s) => s.scenario))];
  const m = r.machine;
  return `# Reliability under faults

<!-- Generated by \`pnpm reliability\` (reliability/src/cli.ts). Do not edit by hand: rerun it. -->

Generated ${r.generatedAt} by \`${r.command}\` in ${secs(r.durationSeconds / 60)} minutes, at revision ${r.revision}.${updateLines(r)}
Raw figures: [reliability/results/latest.json](reliability/results/latest.json).

${verdict}

Machine: ${m.cores} cores, ${m.memoryGb} GiB, Node ${m.node}; load average (1 / 5 / 15 min) ${m.loadAverageAtStart.join(' / ')} at start, ${m.loadAverageAtEnd.join(' / ')} at end. Brokers and clients share these cores, so the stall and recovery times move with the load.

## Scenarios

Each scenario runs against real brokers started for it (\`infra/up\` on free ports: never the shared ones), except the certification, which uses the 3-node cluster of \`infra/up kafka-cluster\` named by \`KAFKA_CLUSTER_BROKERS\` (in CI the shared one; its notes name the one used) through \`infra/kafka-cluster\`, which makes other failover tests wait while its nodes are down. The suites are \`runFaults\` of \`@switchyard/testkit\` (packages/testkit/src/faults/) plugged in by each adapter (\`packages/*/faults/*.test.ts\`).

${used.map((id) => `- **${id}** — ${SCENARIOS[id] ?? ''}`).join('\n')}

## Figures

- **acked**: publishes that resolved (the broker accepted the event under the transport's acks). **failed (reported)**: publishes that rejected with an \`EventBusError\` — the caller was told; each must be retriable.
- **stored**: distinct events a fresh consumer group read back from the broker afterwards (it may exceed acked: a publish that timed out can still have been written).
- **lost**: acknowledged events the consuming group never handled — must be 0. **duplicates**: events handled more than once (at-least-once redeliveries).
- **order violations**: events handled for the first time after a later event of their key (redeliveries of events already seen are allowed); "not promised" where the transport keeps key order only within one consumer instance and the scenario moves the group to another.
- **publish stall**: longest time without a publish acknowledged while publishing. **longest publish**: longest a single publish took to resolve or reject. **consume stall**: longest time between two events handled for the first time — the outage as the consumer saw it, or how long the events a dead consumer held waited for its lease or session to expire.
- **fault s**: how long the fault lasted (broker down or paused; for a dead consumer, until the next process was up). **peak RSS**: peak resident set of the process named (for a child process, its own high-water mark).

${scenarioTable(r.scenarios)}

### What each run saw

${notesList(r.scenarios)}

## Suites

| file | tests s (broker start not included) | passed | failed | skipped |
| --- | ---: | ---: | ---: | ---: |
${r.suites.map((s) => `| ${s.file} | ${secs(s.seconds)} | ${s.passed} | ${s.failed} | ${s.skipped} |`).join('\n')}

${
  r.notRun.length === 0
    ? ''
    : `Not run here (the transport lacks what the case needs, or it failed before its figures):\n\n${r.notRun
        .map((n) => `- ${n.suite} › ${n.title}: ${n.status}`)
        .join('\n')}\n`
}`;
}
