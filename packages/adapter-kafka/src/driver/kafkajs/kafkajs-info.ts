import { createRequire } from 'node:module';
import type { DriverInfo } from '../driver.ts';

const require = createRequire(import.meta.url);

/** The installed kafkajs version, read from its package.json: kafkajs itself is not loaded. */
export const KAFKAJS_VERSION = (require('kafkajs/package.json') as { version: string }).version;

/**
 * What `health()` reports for the kafkajs driver before its first connect has loaded kafkajs (the
 * driver's own `info` replaces it, with what it patched).
 */
export function kafkajsInfo(): DriverInfo {
  return { driver: 'kafkajs', clientVersion: KAFKAJS_VERSION, patches: 'not loaded yet' };
}
