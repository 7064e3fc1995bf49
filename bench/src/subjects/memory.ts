import type { TransportModule } from './types.ts';

/**
 * The in-memory transport lives inside one process, so its scenarios (`core`, `tracing`) run
 * producer and handler in one worker through `inproc.ts`; it has no cross-process subjects.
 */
export const memoryModule: TransportModule = {
  transport: 'memory',
  async probe() {
    return { ok: true, version: `in-process (node ${process.version})` };
  },
  async subjects() {
    return { available: [], missing: [] };
  },
};
