import { isIP } from 'node:net';
import type { BaseOptions, SASLOptions } from '@platformatic/kafka';
import type { ResolvedKafkaOptions } from '../../options/options.ts';
import { hasApiId } from './platformatic-errors.ts';

const SASL_MECHANISMS = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
} as const;

/**
 * A partition made a moment ago is in the metadata before its broker hosts it, and answers
 * NOT_LEADER_OR_FOLLOWER for ~10 ms (a subscription's ListOffsets on its new retry topics, measured
 * on the local broker): the first retry of that answer comes this soon rather than after
 * `retry.initialRetryTimeMs` (100–500 ms by profile); later ones back off as usual.
 */
const FIRST_NOT_LEADER_RETRY_MS = 15;

/**
 * The connection settings every @platformatic/kafka client of the transport shares: brokers, TLS,
 * SASL, timeouts and the retry budget (exponential back-off from `retry.initialRetryTimeMs` to
 * `retry.maxRetryTimeMs`, as with kafkajs).
 */
export function baseClientOptions(options: ResolvedKafkaOptions): BaseOptions {
  const { initialRetryTimeMs, maxRetryTimeMs, retries } = options.retry;
  return {
    clientId: options.clientId,
    bootstrapBrokers: [...options.brokers],
    connectTimeout: options.connectTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    timeout: options.requestTimeoutMs,
    retries,
    retryDelay: (_client, _operation, attempt, _retries, error) =>
      attempt === 1 && hasApiId(error, 'NOT_LEADER_OR_FOLLOWER')
        ? FIRST_NOT_LEADER_RETRY_MS
        : Math.min(maxRetryTimeMs, initialRetryTimeMs * 2 ** Math.max(0, attempt - 1)) *
          (0.8 + Math.random() * 0.4),
    metadataMaxAge: options.metadataMaxAgeMs,
    autocreateTopics: false,
    ...(options.tls === undefined ? {} : { tls: options.tls, ...serverName(options) }),
    ...(options.sasl === undefined
      ? {}
      : {
          sasl: {
            mechanism: SASL_MECHANISMS[options.sasl.mechanism],
            username: options.sasl.username,
            password: options.sasl.password,
          } as SASLOptions,
        }),
  };
}

/**
 * TLS SNI: `tls.servername` when given, else each broker's own host name (as kafkajs and the Java
 * client send it). The client takes one setting for every connection, so with no servername it is
 * on only when no bootstrap broker is given as an IP address (RFC 6066 forbids an IP there and Node
 * warns about one).
 */
function serverName(options: ResolvedKafkaOptions): { tlsServerName?: string | boolean } {
  if (options.tls?.servername !== undefined) return { tlsServerName: options.tls.servername };
  const hosts = options.brokers.map((broker) =>
    broker.slice(0, broker.lastIndexOf(':')).replace(/^\[|\]$/g, ''),
  );
  return hosts.some((host) => isIP(host) !== 0) ? {} : { tlsServerName: true };
}
