import v8 from 'node:v8';

/**
 * Bytes this process allocated on the V8 heap between `start()` and `stop()`: what each GC found
 * in use beyond what the previous one left, plus what is in use at the end beyond the last GC's
 * leftover. Load-independent, unlike rates and tail latencies (latency-split.ts reports it per event).
 */
export class AllocationMeter {
  private profiler: v8.GCProfiler | undefined;
  private startUsed = 0;

  start(): void {
    this.profiler?.stop();
    this.startUsed = v8.getHeapStatistics().used_heap_size;
    this.profiler = new v8.GCProfiler();
    this.profiler.start();
  }

  stop(): { bytes: number; gcs: number } {
    const result = this.profiler?.stop();
    this.profiler = undefined;
    let left = this.startUsed;
    let bytes = 0;
    const gcs = result?.statistics ?? [];
    for (const gc of gcs) {
      bytes += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - left);
      left = gc.afterGC.heapStatistics.usedHeapSize;
    }
    bytes += Math.max(0, v8.getHeapStatistics().used_heap_size - left);
    return { bytes, gcs: gcs.length };
  }
}
