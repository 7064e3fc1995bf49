import { createRequire } from 'node:module';
import type { DriverInfo } from '../driver.ts';

const require = createRequire(import.meta.url);
let version: string | undefined;

/** The installed kafkajs version, read from its package.json (kafkajs itself is not loaded); `'not installed'` without it. */
export function kafkajsVersion(): string {
  if (version === undefined) {
    try {
      version = (require('kafkajs/package.json') as { version: string }).version;
    } catch {
      return 'not installed';
    }
  }
  return version;
}

/**
 * What `health()` reports for the kafkajs driver before its first connect has loaded kafkajs (the
 * driver's own `info` replaces it, with what it patched).
 */
export function kafkajsInfo(): DriverInfo {
  return { driver: 'kafkajs', clientVersion: kafkajsVersion(), patches: 'not loaded yet' };
}
