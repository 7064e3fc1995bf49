import { randomFillSync } from 'node:crypto';

/*
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, 12 bits of sub-millisecond counter
 * (method 1, so ids from one process sort in creation order), variant 10, 62 random bits.
 * Written here rather than taken from the `uuid` package because the package draws fresh
 * randomness from the OS for every id, a large share of the in-memory hot path (measured in
 * docs/internals/core-hot-path.md); this draws it 4 KiB at a time.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;
let lastMs = -1;
let counter = 0;

export function uuidv7(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    // More than 4096 ids in one millisecond: borrow the next millisecond to keep the order.
    lastMs++;
    counter = 0;
  }
  if (poolOffset + 8 > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const r = poolOffset;
  poolOffset += 8;
  const ms = lastMs;
  const hi = Math.floor(ms / 0x10000);
  const lo = ms & 0xffff;
  // Written as ASCII into one buffer and read out as one string: concatenating 16 hex pairs made
  // a rope of ~20 strings per id (about 600 bytes of garbage, once per published event).
  const t = text;
  hex(t, 0, (hi >>> 24) & 0xff);
  hex(t, 2, (hi >>> 16) & 0xff);
  hex(t, 4, (hi >>> 8) & 0xff);
  hex(t, 6, hi & 0xff);
  hex(t, 9, (lo >>> 8) & 0xff);
  hex(t, 11, lo & 0xff);
  hex(t, 14, 0x70 | (counter >>> 8));
  hex(t, 16, counter & 0xff);
  hex(t, 19, 0x80 | (pool[r]! & 0x3f));
  hex(t, 21, pool[r + 1]!);
  for (let i = 2; i < 8; i++) hex(t, 20 + 2 * i, pool[r + i]!);
  return t.toString('latin1', 0, 36);
}

/** The id's characters, dashes in place; `hex` fills in the rest. */
const text = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');
const DIGITS = Buffer.from('0123456789abcdef', 'latin1');

function hex(into: Buffer, at: number, byte: number): void {
  into[at] = DIGITS[byte >>> 4]!;
  into[at + 1] = DIGITS[byte & 0xf]!;
}
