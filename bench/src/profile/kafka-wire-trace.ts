// Preloaded (`--import`) into a process that talks to Kafka, it notes when each Kafka request
// leaves and when each response starts and finishes arriving, on the clock the bench's payloads
// carry (`performance.timeOrigin + performance.now()`), and writes them to
// `$KAFKA_WIRE_TRACE/<pid>.json` when the process exits. Any client: it reads the protocol's
// frames on the sockets (request: size, api key, version, correlation id; response: size,
// correlation id), so raw kafkajs, the kafkajs driver and @platformatic/kafka are seen alike.
// `kafka-first-stages.ts` starts the plan's workers with it and reads the files.
import { writeFileSync } from 'node:fs';
import net from 'node:net';

/** One request/response on a socket: sent, first and last byte of the response, sizes, topic named. */
export interface WireRecord {
  readonly api: number;
  readonly corr: number;
  readonly port: number;
  readonly sent: number;
  readonly reqBytes: number;
  /** The topic names with the marker (`KAFKA_WIRE_MARK`, default `fe_`) in the request's first 4 KiB. */
  readonly topics: readonly string[];
  firstByte?: number;
  done?: number;
  resBytes?: number;
}

const dir = process.env.KAFKA_WIRE_TRACE;
const mark = process.env.KAFKA_WIRE_MARK ?? 'fe_';
const ports = new Set(
  (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((a) => Number(a.split(':')[1])),
);
const now = () => performance.timeOrigin + performance.now();
const records: WireRecord[] = [];
/** What was traced so far in this process (for a probe running in the process itself). */
export const wireRecords = (): readonly WireRecord[] => records;
const topicPattern = new RegExp(`${mark}[A-Za-z0-9_.-]+`, 'g');

interface SocketState {
  readonly byCorr: Map<number, WireRecord>;
  /** Bytes of the response being read that are still to come, and the header bytes read so far. */
  remaining: number;
  header: Buffer;
  current: WireRecord | undefined;
}
const states = new WeakMap<net.Socket, SocketState>();

function stateOf(socket: net.Socket): SocketState | undefined {
  if (!ports.has(socket.remotePort ?? -1)) return undefined;
  let s = states.get(socket);
  if (s === undefined) {
    s = { byCorr: new Map(), remaining: 0, header: Buffer.alloc(0), current: undefined };
    states.set(socket, s);
  }
  return s;
}

function onWrite(socket: net.Socket, chunk: unknown): void {
  const s = stateOf(socket);
  if (s === undefined || !Buffer.isBuffer(chunk) || chunk.length < 12) return;
  const t = now();
  // kafkajs writes each request in one buffer; several frames in one write are walked through.
  for (let at = 0; at + 12 <= chunk.length; ) {
    const size = chunk.readInt32BE(at);
    const frame = chunk.subarray(at, Math.min(chunk.length, at + 4 + size));
    const topics = [
      ...new Set(frame.toString('latin1', 0, Math.min(frame.length, 4096)).match(topicPattern)),
    ];
    const record: WireRecord = {
      api: chunk.readInt16BE(at + 4),
      corr: chunk.readInt32BE(at + 8),
      port: socket.localPort ?? 0,
      sent: t,
      reqBytes: size + 4,
      topics,
    };
    s.byCorr.set(record.corr, record);
    records.push(record);
    at += 4 + size;
  }
}

function onData(socket: net.Socket, chunk: Buffer): void {
  const s = stateOf(socket);
  if (s === undefined) return;
  const t = now();
  let at = 0;
  while (at < chunk.length) {
    if (s.remaining === 0) {
      // A response starts: size (4) and correlation id (4), possibly split across reads.
      const need = 8 - s.header.length;
      s.header = Buffer.concat([s.header, chunk.subarray(at, at + need)]);
      at += Math.min(need, chunk.length - at);
      if (s.header.length < 8) return;
      const size = s.header.readInt32BE(0);
      const record = s.byCorr.get(s.header.readInt32BE(4));
      s.header = Buffer.alloc(0);
      s.remaining = size - 4;
      s.current = record;
      if (record !== undefined) {
        record.firstByte = t;
        record.resBytes = size + 4;
        s.byCorr.delete(record.corr);
      }
    }
    const take = Math.min(s.remaining, chunk.length - at);
    s.remaining -= take;
    at += take;
    if (s.remaining === 0 && s.current !== undefined) {
      s.current.done = t;
      s.current = undefined;
    }
  }
}

if (dir !== undefined) {
  const write = net.Socket.prototype.write;
  net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
    onWrite(this, chunk);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof write;
  const emit = net.Socket.prototype.emit;
  net.Socket.prototype.emit = function (this: net.Socket, event: string | symbol, ...args: unknown[]) {
    if (event === 'data' && Buffer.isBuffer(args[0])) onData(this, args[0]);
    return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
  } as typeof emit;
  process.on('exit', () => writeFileSync(`${dir}/${process.pid}.json`, JSON.stringify(records)));
}
