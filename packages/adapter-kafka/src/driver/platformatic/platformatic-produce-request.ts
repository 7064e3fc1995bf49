import { Writer } from '@platformatic/kafka';

/** One partition's record batch in a Produce request (a promise while gzip still compresses it). */
export interface RequestPart {
  readonly topic: string;
  readonly partition: number;
  readonly batch: Buffer | Promise<Buffer> | undefined;
}

/** The request body after the header the connection writes; gzip batches are awaited here, in queue order. */
export function produceRequest(
  parts: readonly RequestPart[],
  acks: number,
  timeoutMs: number,
  flexible: boolean,
): Writer | Promise<Writer> {
  const batches = parts.map((p) => p.batch!);
  if (batches.some((b) => b instanceof Promise)) {
    return Promise.all(batches).then((ready) => writeRequest(parts, ready, acks, timeoutMs, flexible));
  }
  return writeRequest(parts, batches as Buffer[], acks, timeoutMs, flexible);
}

function writeRequest(
  parts: readonly RequestPart[],
  batches: readonly Buffer[],
  acks: number,
  timeoutMs: number,
  flexible: boolean,
): Writer {
  const byTopic = new Map<string, number[]>();
  for (let i = 0; i < parts.length; i++) {
    const list = byTopic.get(parts[i]!.topic);
    if (list === undefined) byTopic.set(parts[i]!.topic, [i]);
    else list.push(i);
  }
  const writer = Writer.create()
    .appendString(null, flexible) // transactional id
    .appendInt16(acks)
    .appendInt32(timeoutMs)
    .appendArray(
      [...byTopic],
      (w, [topic, indexes]) => {
        w.appendString(topic, flexible).appendArray(
          indexes,
          (w, i) => {
            w.appendInt32(parts[i]!.partition).appendBytes(batches[i]!, flexible);
          },
          flexible,
          flexible,
        );
      },
      flexible,
      flexible,
    );
  if (flexible) writer.appendTaggedFields();
  if (acks === 0) writer.context.noResponse = true;
  return writer;
}
