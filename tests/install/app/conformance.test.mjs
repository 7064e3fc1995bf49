// The testkit as a transport author uses it, from the installed tarball: the whole conformance
// suite under Vitest against the in-memory transport.
import { memoryTransport } from '@switchyard/core';
import { runConformance } from '@switchyard/testkit';

runConformance({ name: 'memory (installed)', createTransport: () => memoryTransport() });
