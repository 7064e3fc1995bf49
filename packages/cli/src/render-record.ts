import { DLQ_HEADERS } from '@switchyard/core';
import { type DeadLetterInfo, deadLetterOf, type RecordView } from './decode.ts';
import type { Output } from './output.ts';

const DLQ_NAMES = new Set<string>(Object.values(DLQ_HEADERS));

/** A record for people: where it sits, its CloudEvents attributes, key, headers, then the data. */
export function renderRecord(view: RecordView, out: Output, options: { deadLetter?: boolean } = {}): string {
  const { c } = out;
  const where = [view.topic, view.partition === undefined ? undefined : `partition ${view.partition}`]
    .concat(view.offset === undefined ? [] : [`offset ${view.offset}`])
    .concat(view.sequence === undefined ? [] : [`seq ${view.sequence}`])
    .filter((part) => part !== undefined)
    .join(' ');
  const lines = [c.dim(`── ${where} · ${view.timestamp} ──`)];
  const dead = options.deadLetter ? deadLetterOf(view.headers) : undefined;
  if (options.deadLetter) lines.push(...renderDeadLetter(dead, out));
  if (view.decoded) {
    const { event } = view;
    lines.push(
      `${c.bold(event.type)}  id ${event.id}${event.key === undefined ? '' : `  key ${c.cyan(event.key)}`}`,
    );
    const attributes = Object.entries(event).filter(
      ([name]) => !['type', 'id', 'key', 'specversion'].includes(name),
    );
    lines.push(c.dim(attributes.map(([name, value]) => `${name}=${value}`).join('  ')));
  } else {
    lines.push(`${c.red('undecodable')}: ${view.error}${view.key === undefined ? '' : `  key ${view.key}`}`);
  }
  const headers = Object.entries(view.headers).filter(
    ([name]) => !(options.deadLetter && DLQ_NAMES.has(name)),
  );
  if (headers.length > 0) lines.push(c.dim(`headers: ${headers.map(([n, v]) => `${n}=${v}`).join('  ')}`));
  if (view.decoded) lines.push(JSON.stringify(view.data, null, 2) ?? 'undefined');
  else if (dead?.truncatedBytes !== undefined)
    lines.push(
      c.dim(`(payload of ${dead.truncatedBytes} bytes left out: too large for the dead-letter topic)`),
    );
  else lines.push(`${c.dim(`value (${view.size} bytes, ${view.valueEncoding}):`)} ${view.value}`);
  return lines.join('\n');
}

function renderDeadLetter(dead: DeadLetterInfo | undefined, out: Output): string[] {
  const { c } = out;
  if (dead === undefined)
    return [c.yellow('no dead-letter headers: not written by a Switchyard dead-letter route')];
  const error = [dead.errorClass, dead.errorCode, dead.errorMessage]
    .filter((s) => s !== undefined)
    .join(': ');
  const origin = [
    dead.originalTopic,
    dead.originalPartition === undefined ? undefined : `partition ${dead.originalPartition}`,
    dead.originalOffset === undefined ? undefined : `offset ${dead.originalOffset}`,
    dead.originalSequence === undefined ? undefined : `seq ${dead.originalSequence}`,
  ]
    .filter((s) => s !== undefined)
    .join(' ');
  return [
    `${c.red(dead.reason)}  ${error}`,
    c.dim(
      `from ${origin}  group ${dead.group ?? '-'}  attempts ${dead.attempts ?? '-'}  dead-lettered ${dead.time ?? '-'}`,
    ),
  ];
}
