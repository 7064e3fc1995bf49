import type { Redis } from 'ioredis';

/** What `health()` reports about the server: its version and whether it persists streams to disk. */
export interface ServerInfo {
  readonly version?: string;
  /** `appendonly yes`: writes go to the append-only file (fsynced per `appendfsync`). */
  readonly aof?: boolean;
  /** `always`, `everysec` or `no`, when the ACL user may read the config. */
  readonly appendfsync?: string;
}

/**
 * Reads the server's version and persistence from `INFO` (and `CONFIG GET appendfsync` where the
 * ACL allows it). Anything the user may not read is left out: this only informs `health()`.
 */
export async function readServerInfo(client: Redis): Promise<ServerInfo> {
  const info: { -readonly [K in keyof ServerInfo]: ServerInfo[K] } = {};
  try {
    const text = await client.info('server');
    const version = /^redis_version:(.+)$/m.exec(text)?.[1]?.trim();
    if (version !== undefined) info.version = version;
    const persistence = await client.info('persistence');
    const aof = /^aof_enabled:(\d)/m.exec(persistence)?.[1];
    if (aof !== undefined) info.aof = aof === '1';
  } catch {
    return info;
  }
  try {
    const [, fsync] = (await client.config('GET', 'appendfsync')) as string[];
    if (fsync !== undefined) info.appendfsync = fsync;
  } catch {
    // CONFIG is often denied to application users; the INFO part is enough.
  }
  return info;
}
