import { parseEnvValue, restateForEnv, warnUnknownEnv } from '@switchyard/core/transport';
import type { RedisTlsOptions, RedisTopicDefaults, RedisTransportOptions } from './options.ts';
import { redis } from './redis.ts';
import type { RedisTransport } from './redis-transport.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Environment variables read by `transportFromEnv`, each the name of the option it sets.
 * `REDIS_URL` gives the server unless `SWITCHYARD_REDIS_URL` does.
 */
export const REDIS_ENV = {
  SWITCHYARD_REDIS_URL: 'url',
  SWITCHYARD_REDIS_HOST: 'host',
  SWITCHYARD_REDIS_PORT: 'port',
  SWITCHYARD_REDIS_DB: 'db',
  SWITCHYARD_REDIS_PRESET: 'preset',
  SWITCHYARD_REDIS_NAME: 'name',
  SWITCHYARD_REDIS_USERNAME: 'username',
  SWITCHYARD_REDIS_PASSWORD: 'password',
  SWITCHYARD_REDIS_TLS: 'tls',
  SWITCHYARD_REDIS_TLS_CA_FILE: 'tls.caFile',
  SWITCHYARD_REDIS_TLS_CERT_FILE: 'tls.certFile',
  SWITCHYARD_REDIS_TLS_KEY_FILE: 'tls.keyFile',
  SWITCHYARD_REDIS_TLS_SERVERNAME: 'tls.servername',
  SWITCHYARD_REDIS_CONNECT_TIMEOUT_MS: 'connectTimeoutMs',
  SWITCHYARD_REDIS_RECONNECT_WAIT_MS: 'reconnectWaitMs',
  SWITCHYARD_REDIS_MAX_RECONNECT_ATTEMPTS: 'maxReconnectAttempts',
  SWITCHYARD_REDIS_PUBLISH_TIMEOUT_MS: 'publishTimeoutMs',
  SWITCHYARD_REDIS_ACK_WAIT_MS: 'ackWaitMs',
  SWITCHYARD_REDIS_CLAIM_INTERVAL_MS: 'claimIntervalMs',
  SWITCHYARD_REDIS_IDLE_CONSUMER_TIMEOUT_MS: 'idleConsumerTimeoutMs',
  SWITCHYARD_REDIS_FETCH_EXPIRES_MS: 'fetchExpiresMs',
  SWITCHYARD_REDIS_AUTO_CREATE_TOPICS: 'autoCreateTopics',
  SWITCHYARD_REDIS_STREAM_PREFIX: 'streamPrefix',
  SWITCHYARD_REDIS_MAX_MESSAGE_BYTES: 'maxMessageBytes',
  SWITCHYARD_REDIS_MAX_MESSAGES: 'topicDefaults.maxMessages',
  SWITCHYARD_REDIS_MAX_AGE_MS: 'topicDefaults.maxAgeMs',
} as const;

/**
 * Short names people give the credential variables: the nearest known name by spelling is another
 * variable (`…_PASS` is closer to `…_HOST`, `…_USER` to `…_URL`), so the warning names these.
 */
const MEANT: Readonly<Record<string, string>> = {
  SWITCHYARD_REDIS_PASS: 'SWITCHYARD_REDIS_PASSWORD',
  SWITCHYARD_REDIS_PWD: 'SWITCHYARD_REDIS_PASSWORD',
  SWITCHYARD_REDIS_USER: 'SWITCHYARD_REDIS_USERNAME',
};

const NUMBERS = new Set<string>([
  'port',
  'db',
  'connectTimeoutMs',
  'reconnectWaitMs',
  'maxReconnectAttempts',
  'publishTimeoutMs',
  'ackWaitMs',
  'claimIntervalMs',
  'idleConsumerTimeoutMs',
  'fetchExpiresMs',
  'maxMessageBytes',
  'topicDefaults.maxMessages',
  'topicDefaults.maxAgeMs',
]);
const BOOLEANS = new Set<string>(['autoCreateTopics', 'tls']);

/** Reads the options from environment variables (see REDIS_ENV); a bad value fails naming its variable. */
export function redisOptionsFromEnv(env: Env): RedisTransportOptions {
  warnUnknownEnv(env, 'SWITCHYARD_REDIS_', Object.keys(REDIS_ENV), undefined, { meant: MEANT });
  const options: Record<string, unknown> = {};
  const tls: Record<string, unknown> = {};
  const topicDefaults: Record<string, unknown> = {};
  let tlsOn: boolean | undefined;
  const url = env.REDIS_URL?.trim();
  if (url) options.url = url;
  for (const [variable, field] of Object.entries(REDIS_ENV)) {
    const raw = env[variable]?.trim();
    if (raw === undefined || raw === '') continue;
    const value = parse(variable, field, raw);
    if (field === 'tls') tlsOn = value as boolean;
    else if (field.startsWith('tls.')) tls[field.slice(4)] = value;
    else if (field.startsWith('topicDefaults.')) topicDefaults[field.slice('topicDefaults.'.length)] = value;
    else options[field] = value;
  }
  if (Object.keys(tls).length > 0 || tlsOn === true) options.tls = tls as RedisTlsOptions;
  if (Object.keys(topicDefaults).length > 0) options.topicDefaults = topicDefaults as RedisTopicDefaults;
  return options as RedisTransportOptions;
}

/**
 * The transport as configured by the environment: what `@switchyard/core/di` calls when
 * `SWITCHYARD_TRANSPORT=redis`. Validation errors name the environment variable at fault.
 */
export function transportFromEnv(env: Env = process.env): RedisTransport {
  const options = redisOptionsFromEnv(env);
  try {
    return redis(options);
  } catch (error) {
    throw restateForEnv(error, (field) =>
      field === 'url' && env.SWITCHYARD_REDIS_URL === undefined
        ? 'REDIS_URL'
        : Object.entries(REDIS_ENV).find(([, f]) => f === field)?.[0],
    );
  }
}

function parse(variable: string, field: string, raw: string): unknown {
  return parseEnvValue(
    variable,
    NUMBERS.has(field) ? 'number' : BOOLEANS.has(field) ? 'boolean' : 'string',
    raw,
  );
}
