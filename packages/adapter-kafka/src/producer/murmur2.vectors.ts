/**
 * Printed by the Java client 4.3.1 (`Utils.murmur2`, `BuiltInPartitioner.partitionForKey` for 12
 * and 7 partitions) with `interop/java/Murmur2Vectors.java`; interop/java-interop.test.ts re-runs that
 * program against the jars whenever they are present.
 */
export const JAVA_VECTORS: ReadonlyArray<readonly [key: string, murmur2: number, of12: number, of7: number]> =
  [
    ['', 275646681, 9, 2],
    ['a', -1563381124, 4, 5],
    ['ab', 316155434, 2, 0],
    ['abc', 479470107, 3, 4],
    ['abcd', -1323649548, 8, 5],
    ['21', -973932308, 0, 3],
    ['foobar', -790332482, 6, 0],
    ['a-little-bit-long-string', -985981536, 8, 1],
    ['a-little-bit-longer-string', -1486304829, 11, 0],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971, 5, 3],
    ['order-42', 501153024, 0, 1],
    ['ünïcødé-ключ-鍵', -1190237519, 9, 0],
    ['agg-7', 111785957, 5, 3],
    ['😀 emoji', 1991772780, 0, 4],
  ];
