import type { GCProfiler } from 'node:v8';

export type GCStatistics = NonNullable<ReturnType<GCProfiler['stop']>>['statistics'][number];

/**
 * What a scavenge kept: the young generation in use after it (copied) plus what the other spaces
 * grew by (promoted). V8 grows the semi-spaces once these, summed since the last growth, exceed
 * their capacity, so this per event is what decides whether a consumer's young generation doubles.
 * Zero for any other kind of collection (mark-compacts count toward V8's sum too, not measured here).
 */
export function scavengeSurvivors(gc: GCStatistics): { copied: number; promoted: number } {
  if (gc.gcType !== 'Scavenge') return { copied: 0, promoted: 0 };
  const before = new Map(gc.beforeGC.heapSpaceStatistics.map((s) => [s.spaceName, s.spaceUsedSize]));
  let copied = 0;
  let promoted = 0;
  for (const space of gc.afterGC.heapSpaceStatistics) {
    if (space.spaceName === 'new_space') copied += space.spaceUsedSize;
    else promoted += Math.max(0, space.spaceUsedSize - (before.get(space.spaceName) ?? 0));
  }
  return { copied, promoted };
}
