import { randomFillSync } from 'node:crypto';

/*
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, 12 bits of sub-millisecond counter
 * (method 1, so ids from one process sort in creation order), variant 10, 62 random bits.
 *
 * The 62 random bits are drawn once per millisecond, not once per id: the ids one process makes
 * within a millisecond share them and differ by the counter. They stay unique (within a process by
 * millisecond and counter; across processes two would also need the same 62 random bits drawn in
 * the same millisecond), sortable, and unguessable from one millisecond to the next. What it buys:
 * a busy producer's ids differ in a few characters from one event to the next, so a compressed
 * Kafka batch of them is about half the size, and an id costs no fresh randomness. Written here
 * rather than taken from the `uuid` package, which draws fresh randomness from the OS for every id
 * (measurements of both in docs/internals/core-hot-path.md).
 */
const random = Buffer.alloc(8);
let lastMs = -1;
let counter = 0;

/** The id's characters, dashes in place: the millisecond and its random bits are written once per millisecond. */
const text = Buffer.from('00000000-0000-7000-8000-000000000000', 'latin1');
const DIGITS = Buffer.from('0123456789abcdef', 'latin1');

export function uuidv7(now = Date.now()): string {
  if (now > lastMs) startMillisecond(now);
  else if (++counter > 0xfff) startMillisecond(lastMs + 1); // over 4096 ids in one ms: borrow the next to keep the order
  const t = text;
  t[15] = DIGITS[counter >>> 8]!;
  hex(t, 16, counter & 0xff);
  return t.toString('latin1', 0, 36);
}

function startMillisecond(ms: number): void {
  lastMs = ms;
  counter = 0;
  const t = text;
  const hi = Math.floor(ms / 0x10000);
  const lo = ms & 0xffff;
  hex(t, 0, (hi >>> 24) & 0xff);
  hex(t, 2, (hi >>> 16) & 0xff);
  hex(t, 4, (hi >>> 8) & 0xff);
  hex(t, 6, hi & 0xff);
  hex(t, 9, (lo >>> 8) & 0xff);
  hex(t, 11, lo & 0xff);
  randomFillSync(random);
  hex(t, 19, 0x80 | (random[0]! & 0x3f));
  hex(t, 21, random[1]!);
  for (let i = 2; i < 8; i++) hex(t, 20 + 2 * i, random[i]!);
}

function hex(into: Buffer, at: number, byte: number): void {
  into[at] = DIGITS[byte >>> 4]!;
  into[at + 1] = DIGITS[byte & 0xf]!;
}
