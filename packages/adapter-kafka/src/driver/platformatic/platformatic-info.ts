import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ResolvedKafkaOptions } from '../../options/options.ts';
import type { DriverInfo } from '../driver.ts';

/** The platformatic driver's facts for `health()`, read without loading the client (it needs a newer Node than the adapter). */
export function platformaticInfo(options: ResolvedKafkaOptions): DriverInfo {
  return { driver: 'platformatic', clientVersion: clientVersion(), groupProtocol: options.groupProtocol };
}

let version: string | undefined;

function clientVersion(): string {
  // The package exports no ./package.json; its entry point is dist/index.js.
  const require = createRequire(import.meta.url);
  version ??= (
    JSON.parse(
      readFileSync(join(dirname(require.resolve('@platformatic/kafka')), '..', 'package.json'), 'utf8'),
    ) as { version: string }
  ).version;
  return version;
}
