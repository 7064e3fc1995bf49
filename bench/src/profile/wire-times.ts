// A preload that records when each bench event's bytes cross a socket in this process: written
// (the producer puts it on the wire) or read (the consumer gets it from the server). It finds the
// event by its payload (`"p":<phase>,"i":<index>`, src/payload.ts), so it works for every subject
// of a transport that sends the data as plain JSON (NATS, Redis; not a compressed Kafka batch).
//   WIRE_TIMES_DIR=/tmp/w NODE_OPTIONS="--import ./bench/src/profile/wire-times.ts" node … latency-split.ts …
// Each process appends to `<pid>-wire.jsonl` every 200 ms and at exit, a line per flush:
// [kind (1 written, 2 read), wall ms, phase, index] flattened. latency-split.ts lays these beside
// its per-event split.
import { appendFileSync } from 'node:fs';
import { Socket } from 'node:net';

const dir = process.env.WIRE_TIMES_DIR;
if (dir !== undefined) {
  const rows: number[] = [];
  const pattern = /"p":(\d+),"i":(\d+)/g;
  const scan = (kind: number, chunk: unknown): void => {
    const now = performance.timeOrigin + performance.now();
    const text =
      typeof chunk === 'string'
        ? chunk
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1')
          : '';
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text))
      rows.push(kind, now, Number(m[1]), Number(m[2]));
  };
  const write = Socket.prototype.write as (this: Socket, ...args: unknown[]) => boolean;
  Socket.prototype.write = function wireWrite(this: Socket, ...args: unknown[]): boolean {
    scan(1, args[0]);
    return write.apply(this, args);
  } as typeof Socket.prototype.write;
  const emit = Socket.prototype.emit as (this: Socket, event: string | symbol, ...args: unknown[]) => boolean;
  Socket.prototype.emit = function wireEmit(
    this: Socket,
    event: string | symbol,
    ...args: unknown[]
  ): boolean {
    if (event === 'data') scan(2, args[0]);
    return emit.call(this, event, ...args);
  } as typeof Socket.prototype.emit;
  const flush = (): void => {
    if (rows.length > 0)
      appendFileSync(`${dir}/${process.pid}-wire.jsonl`, `${JSON.stringify(rows.splice(0))}\n`);
  };
  setInterval(flush, 200).unref();
  process.on('exit', flush);
}
