import { memoryTransport, type Transport } from '@switchyard/core';

/** The in-memory transport in the shape every adapter's entry has, for the faults suite. */
export const transportFromEnv = (): Transport => memoryTransport();
