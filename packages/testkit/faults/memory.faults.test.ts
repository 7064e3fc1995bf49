import { runFaults } from '../src/faults.ts';

// The in-memory transport has no broker process to crash or pause and keeps nothing across a
// process: every case needs one or the other, so each is skipped, saying why.
runFaults({ name: 'memory', adapter: new URL('./memory-adapter.ts', import.meta.url) });
