import type { ClassifiedError, ClientError, ClientErrorKind } from '../driver.ts';

interface PlatformaticErrorLike {
  readonly code?: unknown;
  readonly message?: string;
  readonly apiId?: string;
  readonly canRetry?: boolean;
  readonly cause?: unknown;
  readonly errors?: readonly unknown[];
}

const PREFIX = 'PLT_KFK_';

/**
 * @platformatic/kafka's errors, driver-neutral. Its errors carry a `PLT_KFK_*` code; broker errors
 * are `PLT_KFK_PROTOCOL` with the Kafka name in `apiId`; retries and fan-out requests wrap them in
 * `PLT_KFK_MULTIPLE` (an AggregateError), and a network error keeps the socket's error (with its
 * system code, `ECONNREFUSED` or a TLS one) as `cause`. `undefined` for any other error.
 */
export function classifyPlatformaticError(error: unknown): ClassifiedError | undefined {
  if (!isPlatformatic(error)) return undefined;
  const root = rootCause(error as PlatformaticErrorLike);
  const code = root.code as string;
  const systemCode = (root.cause as { code?: unknown } | undefined)?.code;
  // A metadata answer of UNKNOWN_TOPIC_OR_PARTITION comes back as a user error without it.
  const unknownTopic = code === 'PLT_KFK_USER' && root.message?.startsWith('Unknown topic ') === true;
  const type = unknownTopic ? 'UNKNOWN_TOPIC_OR_PARTITION' : root.apiId;
  const client: ClientError = {
    name: code,
    message: root.message ?? '',
    ...(type === undefined ? {} : { type }),
    ...(typeof systemCode === 'string' || typeof systemCode === 'number' ? { code: systemCode } : {}),
    retriable: root.canRetry === true,
  };
  return { root: client, kind: kindOf(code, root) };
}

function isPlatformatic(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith(PREFIX);
}

function kindOf(code: string, root: PlatformaticErrorLike): ClientErrorKind | undefined {
  switch (code) {
    case 'PLT_KFK_AUTHENTICATION':
      return 'authentication';
    case 'PLT_KFK_TIMEOUT':
      return 'timeout';
    case 'PLT_KFK_UNSUPPORTED_API':
    case 'PLT_KFK_UNSUPPORTED':
      return 'unsupported';
    case 'PLT_KFK_NETWORK': {
      // The client's TimeoutError carries the network error's code (2.12): told apart by its message.
      if (/timed out/i.test(root.message ?? '')) return 'timeout';
      const message = `${root.message ?? ''} ${(root.cause as { message?: string } | undefined)?.message ?? ''}`;
      return /closed|ECONNRESET|EPIPE|socket hang up/i.test(message) ? 'connection-closed' : 'connection';
    }
    default:
      return undefined;
  }
}

/**
 * The most telling error under the wrappers: a broker's answer first (SASL_AUTHENTICATION_FAILED,
 * UNKNOWN_TOPIC_OR_PARTITION …), then a connection the broker closed during authentication (a
 * listener that wants TLS), then an authentication failure, then a TLS or socket error, then the
 * first error of an aggregate, depth-first. Network errors keep their cause (the socket's error or
 * the authentication failure) as `cause`.
 */
function rootCause(error: PlatformaticErrorLike): PlatformaticErrorLike {
  const all: PlatformaticErrorLike[] = [];
  const walk = (e: unknown, depth: number): void => {
    if (depth > 10 || typeof e !== 'object' || e === null || !isPlatformatic(e)) return;
    const p = e as PlatformaticErrorLike;
    all.push(p);
    for (const inner of p.errors ?? []) walk(inner, depth + 1);
    walk(p.cause, depth + 1);
  };
  walk(error, 0);
  const protocol = all.find(
    (e) => e.code === 'PLT_KFK_PROTOCOL' && e.apiId !== undefined && e.apiId !== 'NONE',
  );
  if (protocol !== undefined) return protocol;
  const auth = all.find((e) => e.code === 'PLT_KFK_AUTHENTICATION');
  const closed = all.find((e) => e.code === 'PLT_KFK_NETWORK' && /closed/i.test(e.message ?? ''));
  if (auth !== undefined && closed !== undefined) return closed;
  if (auth !== undefined) return auth;
  const leaves = all.filter((e) => e.code !== 'PLT_KFK_MULTIPLE' && e.code !== 'PLT_KFK_RESPONSE');
  // The innermost network error carries the socket's error (ECONNREFUSED, a TLS code) as cause.
  const network = leaves.filter((e) => e.code === 'PLT_KFK_NETWORK');
  const withSystemCause = network.find(
    (e) => typeof (e.cause as { code?: unknown } | undefined)?.code === 'string',
  );
  return withSystemCause ?? leaves[0] ?? all[0] ?? error;
}

export function hasApiId(error: unknown, apiId: string): boolean {
  const seen = new Set<unknown>();
  const walk = (e: unknown): boolean => {
    if (typeof e !== 'object' || e === null || seen.has(e)) return false;
    seen.add(e);
    const x = e as { apiId?: string; errors?: unknown[]; cause?: unknown };
    if (x.apiId === apiId) return true;
    return (x.errors ?? []).some(walk) || walk(x.cause);
  };
  return walk(error);
}

/** Whether every error under `error` (through `errors` lists) is the broker's `apiId`, and there is one. */
export function onlyApiId(error: unknown, apiId: string): boolean {
  const walk = (e: unknown, depth: number): boolean => {
    if (typeof e !== 'object' || e === null || depth > 8) return false;
    const x = e as { apiId?: string; errors?: unknown };
    if (Array.isArray(x.errors) && x.errors.length > 0) return x.errors.every((c) => walk(c, depth + 1));
    return x.apiId === apiId;
  };
  return walk(error, 0);
}

/**
 * The client turns a metadata answer of UNKNOWN_TOPIC_OR_PARTITION into a user error "Unknown topic
 * <name>." without the broker's error under it.
 */
export function isUnknownTopic(error: unknown): boolean {
  if (hasApiId(error, 'UNKNOWN_TOPIC_OR_PARTITION')) return true;
  const e = error as { code?: unknown; message?: unknown; errors?: unknown[] } | null;
  if (e?.code === 'PLT_KFK_USER' && typeof e.message === 'string' && e.message.startsWith('Unknown topic '))
    return true;
  return (e?.errors ?? []).some(isUnknownTopic);
}
