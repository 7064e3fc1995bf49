import { memoryTransport } from '@switchyard/core';
import { runConformance } from './conformance.ts';

// The in-memory transport keeps the whole contract inside one process.
runConformance({ name: 'memory', createTransport: () => memoryTransport() });
