/// <reference types="node" preserve="true" />
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { configError } from '../errors.ts';

/**
 * TLS settings with the same names in every adapter. PEM contents (`ca`, `cert`, `key`) or paths
 * to PEM files (`caFile`, `certFile`, `keyFile`); `true` means TLS with the system's CAs.
 */
export interface TlsOptions {
  readonly ca?: string | Buffer;
  readonly caFile?: string;
  readonly cert?: string | Buffer;
  readonly certFile?: string;
  readonly key?: string | Buffer;
  readonly keyFile?: string;
  /** Server name for SNI and certificate checks, when it differs from the host connected to. */
  readonly servername?: string;
  /** Verify the server's certificate. Turn off only for a test server. @default true */
  readonly rejectUnauthorized?: boolean;
}

export type TlsSetting = boolean | TlsOptions;

/** Node's TLS connection options for `tls`, reading the files it names; `undefined` for no TLS. */
export function tlsConnectionOptions(
  tls: TlsSetting | undefined,
  field = 'tls',
): ConnectionOptions | undefined {
  if (tls === undefined || tls === false) return undefined;
  if (tls === true) return {};
  const out: { -readonly [K in keyof ConnectionOptions]: ConnectionOptions[K] } = {};
  const ca = tls.ca ?? read(tls.caFile, `${field}.caFile`);
  const cert = tls.cert ?? read(tls.certFile, `${field}.certFile`);
  const key = tls.key ?? read(tls.keyFile, `${field}.keyFile`);
  if (ca !== undefined) out.ca = ca;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  if (tls.servername !== undefined) out.servername = tls.servername;
  if (tls.rejectUnauthorized !== undefined) out.rejectUnauthorized = tls.rejectUnauthorized;
  return out;
}

function read(path: string | undefined, field: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw configError(field, `cannot read ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
}
