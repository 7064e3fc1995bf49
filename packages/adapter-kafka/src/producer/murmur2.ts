/**
 * Kafka's murmur2, bit for bit as `org.apache.kafka.common.utils.Utils.murmur2` in the Java
 * client, so a key lands on the same partition whichever client produced it. Java's `int`
 * arithmetic is reproduced with `Math.imul` and `| 0` (32-bit wrap-around) and `>>>` (unsigned shift).
 */
export function murmur2(data: Uint8Array, length = data.length): number {
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // Java's switch falls through from case 3 to case 1; spelled out as ifs.
  const rest = length & 3;
  const tail = length & ~3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which differs for negatives). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Java's default partitioner picks for a key: `toPositive(murmur2(utf8(key))) % partitions`. */
export function partitionForKey(key: string | Uint8Array, partitions: number): number {
  if (typeof key !== 'string') return toPositive(murmur2(key)) % partitions;
  const length = asciiInto(key);
  const hash = length >= 0 ? murmur2(scratch, length) : murmur2(Buffer.from(key, 'utf8'));
  return toPositive(hash) % partitions;
}

/** Short ASCII keys (most keys) are hashed from here: no buffer per event. */
const scratch = new Uint8Array(256);

/** Copies an ASCII key that fits into `scratch` and returns its length; -1 for any other key. */
function asciiInto(key: string): number {
  const n = key.length;
  if (n > scratch.length) return -1;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c > 0x7f) return -1;
    scratch[i] = c;
  }
  return n;
}
