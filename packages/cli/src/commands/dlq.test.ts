import { describe, expect, it } from 'vitest';
import { fillDeadLetters, redrivenCopies } from '../test-support/broker-clients.ts';
import { jsonLines, runCli, testBrokers, uniqueTopic } from '../test-support/run-cli.ts';

const declinedOrBadTotal = (n: number) =>
  n % 3 === 0 ? new TypeError(`bad total for ${n}`) : new Error('card declined');

describe.each(testBrokers())('switchyard dlq on $name', (broker) => {
  const { env } = broker;

  it('lists dead letters grouped by original topic, type and error, with counts and first/last time', async () => {
    const topic = uniqueTopic('dlq-list');
    await fillDeadLetters(broker, topic, 9, { error: declinedOrBadTotal });
    const result = await runCli(['dlq', 'list', `${topic}.dlq`, '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ topic: `${topic}.dlq`, total: 9, movedByRedrive: 0 });
    expect(report.groups[0]).toMatchObject({
      originalTopic: topic,
      type: 'order.placed',
      reason: 'handler-failed',
      errorClass: 'Error',
      errorMessage: 'card declined',
      count: 6,
    });
    // `bad total for 0`, `… 3`, `… 6`: one bug, one group (numbers blanked out); --exact splits them.
    expect(report.groups[1]).toMatchObject({
      errorClass: 'TypeError',
      errorMessage: 'bad total for #',
      count: 3,
      // whichever of the three was read first (dead letters of several partitions interleave)
      example: expect.stringMatching(/^bad total for [036]$/),
    });
    const exact = JSON.parse(
      (await runCli(['dlq', 'list', `${topic}.dlq`, '--exact', '--json'], { env })).stdout,
    );
    expect(exact.groups.filter((g: { errorClass: string }) => g.errorClass === 'TypeError')).toHaveLength(3);
    expect(Date.parse(report.groups[0].first)).toBeLessThanOrEqual(Date.parse(report.groups[0].last));
    const human = await runCli(['dlq', 'list', `${topic}.dlq`], { env });
    expect(human.stdout).toMatch(/ORIGINAL TOPIC\s+TYPE\s+REASON\s+ERROR\s+COUNT\s+FIRST\s+LAST/);
    expect(human.stdout).toMatch(/Error: card declined\s+6/);
    expect(human.stdout).toContain(`9 dead letters in ${topic}.dlq.`);
  });

  it('shows dead letters with their reason, error and origin, or one by event id', async () => {
    const topic = uniqueTopic('dlq-show');
    const ids = await fillDeadLetters(broker, topic, 4);
    const some = await runCli(['dlq', 'show', `${topic}.dlq`, '--limit', '2'], { env });
    expect(some.code, some.stderr).toBe(0);
    expect(some.stdout.match(/^handler-failed {2}Error: card declined for order \d$/gm)).toHaveLength(2);
    expect(some.stdout).toMatch(
      new RegExp(`from ${topic.replaceAll('.', '\\.')} .*group billing {2}attempts 1`),
    );

    const one = await runCli(['dlq', 'show', `${topic}.dlq`, '--id', ids[2]!, '--json'], { env });
    expect(one.code, one.stderr).toBe(0);
    const [entry] = jsonLines(one.stdout);
    expect(entry).toMatchObject({
      event: { id: ids[2], type: 'order.placed', source: 'orders-svc' },
      data: { n: 2, orderId: 'o-2' },
      deadLetter: {
        reason: 'handler-failed',
        originalTopic: topic,
        errorClass: 'Error',
        group: 'billing',
        attempts: 1,
      },
    });

    const missing = await runCli(['dlq', 'show', `${topic}.dlq`, '--id', 'no-such-id'], { env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('error: No dead letter with event id no-such-id');
  });

  it('redrives what the filters select, with the original id, key, type, source and data, and a redrive count', async () => {
    const topic = uniqueTopic('dlq-redrive');
    const ids = await fillDeadLetters(broker, topic, 9, { error: declinedOrBadTotal });
    const dlq = `${topic}.dlq`;

    const dry = await runCli(['dlq', 'redrive', dlq, '--error-class', 'TypeError', '--dry-run', '--json'], {
      env,
    });
    expect(dry.code, dry.stderr).toBe(0);
    expect(jsonLines(dry.stdout).filter((l) => l.outcome === 'would-move')).toHaveLength(3);
    expect(jsonLines(dry.stdout).at(-1)).toMatchObject({
      summary: { matched: 3, 'would-move': 3, moved: 0 },
    });
    expect((await redrivenCopies(env, topic)).size).toBe(0);

    const none = await runCli(
      ['dlq', 'redrive', dlq, '--since', new Date(Date.now() + 60_000).toISOString()],
      { env },
    );
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('9 entries read, 0 matched');

    const typeErrors = await runCli(['dlq', 'redrive', dlq, '--error-class', 'TypeError'], { env });
    expect(typeErrors.code, typeErrors.stderr).toBe(0);
    expect(typeErrors.stdout.match(/^moved /gm)).toHaveLength(3);
    const listed = JSON.parse((await runCli(['dlq', 'list', dlq, '--json'], { env })).stdout);
    expect(listed).toMatchObject({ total: 6, movedByRedrive: 3 });

    const rest = await runCli(['dlq', 'redrive', dlq, '--json', '--progress'], { env });
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stderr).toMatch(new RegExp(`redrive ${dlq.replaceAll('.', '\\.')} \\[[█░]+\\] \\d+/\\d+`));
    // Kafka keeps moved entries in its log (the journal says they are done); NATS deleted them.
    const alreadyMoved = broker.name === 'kafka' ? 3 : 0;
    expect(jsonLines(rest.stdout).at(-1)).toMatchObject({ summary: { matched: 6, moved: 6, alreadyMoved } });

    const copies = await redrivenCopies(env, topic);
    expect([...copies.keys()].sort()).toEqual(ids.map((id) => `${id} 1`).sort());
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
    const events = jsonLines<{
      key: string;
      event: Record<string, string>;
      headers: Record<string, string>;
      data: unknown;
    }>((await runCli(['tail', topic, '--from', 'earliest', '--no-follow', '--json'], { env })).stdout).filter(
      (e) => e.headers['switchyard-redrive-count'] === '1',
    );
    const original = events.find((e) => e.event.id === ids[4])!;
    expect(original).toMatchObject({
      key: 'o-4',
      event: { type: 'order.placed', source: 'orders-svc', datacontenttype: 'application/json' },
      data: { n: 4, orderId: 'o-4' },
      headers: { 'switchyard-redrive-from': expect.stringContaining(`${dlq}@`) },
    });
    expect(Object.keys(original.headers).filter((h) => h.startsWith('switchyard-dlq-'))).toEqual([]);

    const again = await runCli(['dlq', 'redrive', dlq], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 matched');
    expect(JSON.parse((await runCli(['dlq', 'list', dlq, '--json'], { env })).stdout)).toMatchObject({
      total: 0,
      movedByRedrive: 9,
    });
  });

  it('redrives an event whose stored time a bus would now refuse, with that time byte for byte', async () => {
    // Dead letters of events published before drafts' times were checked (or by another producer)
    // failed every redrive with INVALID_EVENT: the redrive handed their time to publish as a draft's.
    const topic = uniqueTopic('dlq-old-time');
    const ids = await fillDeadLetters(broker, topic, 2, { storedTime: 'yesterday' });
    const moved = await runCli(['dlq', 'redrive', `${topic}.dlq`, '--json'], { env });
    expect(moved.code, moved.stderr).toBe(0);
    expect(jsonLines(moved.stdout).at(-1)).toMatchObject({ summary: { matched: 2, moved: 2 } });
    const events = jsonLines<{ event: Record<string, string>; headers: Record<string, string> }>(
      (await runCli(['tail', topic, '--from', 'earliest', '--no-follow', '--json'], { env })).stdout,
    ).filter((e) => e.headers['switchyard-redrive-count'] === '1');
    expect(events.map((e) => e.event.id).sort()).toEqual([...ids].sort());
    expect(events.map((e) => e.event.time)).toEqual(['yesterday', 'yesterday']);
  });

  it('leaves an entry without dead-letter headers where it is (exit 6), and moves it with --to', async () => {
    const topic = uniqueTopic('dlq-headerless');
    await fillDeadLetters(broker, topic, 1);
    const dlq = `${topic}.dlq`;
    const stray = await runCli(
      ['publish', dlq, '--type', 'order.placed', '--key', 'stray', '--data', '{"n":99}', '--json'],
      { env },
    );
    expect(stray.code, stray.stderr).toBe(0);
    const strayId = jsonLines(stray.stdout)[0]!.id as string;

    const list = JSON.parse((await runCli(['dlq', 'list', dlq, '--json'], { env })).stdout);
    expect(list.groups.map((g: { originalTopic: string }) => g.originalTopic).sort()).toEqual([
      '(no dead-letter headers)',
      topic,
    ]);
    const show = await runCli(['dlq', 'show', dlq, '--id', strayId], { env });
    expect(show.stdout).toContain('no dead-letter headers: not written by a Switchyard dead-letter route');

    const result = await runCli(['dlq', 'redrive', dlq], { env });
    expect(result.code).toBe(6);
    expect(result.stdout).toMatch(
      /no-dead-letter-headers .* \(no switchyard-dlq-original-topic header says where it came from: pass --to\)/,
    );
    expect(result.stdout).toContain(`1 matching entry stays in ${dlq}`);

    const moved = await runCli(['dlq', 'redrive', dlq, '--to', topic], { env });
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    expect((await redrivenCopies(env, topic)).get(`${strayId} 1`)).toBe(1);
  });

  it('exits 3 for a dead-letter topic or a --to topic that does not exist', async () => {
    const missing = await runCli(['dlq', 'list', uniqueTopic('none')], { env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/error: Dead-letter topic \S+ does not exist/);
    const topic = uniqueTopic('dlq-to');
    await fillDeadLetters(broker, topic, 1);
    const to = await runCli(['dlq', 'redrive', `${topic}.dlq`, '--to', uniqueTopic('nowhere')], { env });
    expect(to.code).toBe(3);
    expect(to.stderr).toMatch(/error: Target topic \S+ does not exist/);
  });
});
