import { parseEnvValue, restateForEnv, warnUnknownEnv } from '@switchyard/core/transport';
import { nats } from './nats.ts';
import type { NatsTransport } from './nats-transport.ts';
import type { NatsPreset, NatsTlsOptions, NatsTopicDefaults, NatsTransportOptions } from './options.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Environment variables read by `transportFromEnv`, each the name of the option it sets.
 * `NATS_URL` (comma-separated) gives the servers unless `SWITCHYARD_NATS_SERVERS` does.
 */
export const NATS_ENV = {
  SWITCHYARD_NATS_SERVERS: 'servers',
  SWITCHYARD_NATS_PRESET: 'preset',
  SWITCHYARD_NATS_NAME: 'name',
  SWITCHYARD_NATS_USER: 'user',
  SWITCHYARD_NATS_PASSWORD: 'password',
  SWITCHYARD_NATS_TOKEN: 'token',
  SWITCHYARD_NATS_NKEY_SEED: 'nkeySeed',
  SWITCHYARD_NATS_TLS_CA_FILE: 'tls.caFile',
  SWITCHYARD_NATS_TLS_CERT_FILE: 'tls.certFile',
  SWITCHYARD_NATS_TLS_KEY_FILE: 'tls.keyFile',
  SWITCHYARD_NATS_TLS_HANDSHAKE_FIRST: 'tls.handshakeFirst',
  SWITCHYARD_NATS_CONNECT_TIMEOUT_MS: 'connectTimeoutMs',
  SWITCHYARD_NATS_RECONNECT_WAIT_MS: 'reconnectWaitMs',
  SWITCHYARD_NATS_MAX_RECONNECT_ATTEMPTS: 'maxReconnectAttempts',
  SWITCHYARD_NATS_PUBLISH_TIMEOUT_MS: 'publishTimeoutMs',
  SWITCHYARD_NATS_PUBLISH_ATTEMPT_TIMEOUT_MS: 'publishAttemptTimeoutMs',
  SWITCHYARD_NATS_MAX_PENDING_ACKS: 'maxPendingAcks',
  SWITCHYARD_NATS_ACK_WAIT_MS: 'ackWaitMs',
  SWITCHYARD_NATS_MAX_ACK_PENDING: 'maxAckPending',
  SWITCHYARD_NATS_MAX_DELIVER_SLACK: 'maxDeliverSlack',
  SWITCHYARD_NATS_FETCH_EXPIRES_MS: 'fetchExpiresMs',
  SWITCHYARD_NATS_AUTO_CREATE_TOPICS: 'autoCreateTopics',
  SWITCHYARD_NATS_STREAM_PREFIX: 'streamPrefix',
  SWITCHYARD_NATS_EPHEMERAL_TOPICS: 'ephemeralTopics',
  SWITCHYARD_NATS_STORAGE: 'topicDefaults.storage',
  SWITCHYARD_NATS_RETENTION: 'topicDefaults.retention',
  SWITCHYARD_NATS_REPLICAS: 'topicDefaults.replicas',
  SWITCHYARD_NATS_DUPLICATE_WINDOW_MS: 'topicDefaults.duplicateWindowMs',
  SWITCHYARD_NATS_MAX_AGE_MS: 'topicDefaults.maxAgeMs',
} as const;

const NUMBERS = new Set<string>([
  'connectTimeoutMs',
  'reconnectWaitMs',
  'maxReconnectAttempts',
  'publishTimeoutMs',
  'publishAttemptTimeoutMs',
  'maxPendingAcks',
  'ackWaitMs',
  'maxAckPending',
  'maxDeliverSlack',
  'fetchExpiresMs',
  'topicDefaults.replicas',
  'topicDefaults.duplicateWindowMs',
  'topicDefaults.maxAgeMs',
]);
const BOOLEANS = new Set<string>(['autoCreateTopics', 'tls.handshakeFirst']);
const LISTS = new Set<string>(['servers', 'ephemeralTopics']);

/**
 * Names people give a variable that the edit distance places wrongly: a short suffix such as
 * `PASS` is as few edits from `NAME` as from `PASSWORD`, so the credentials are named here.
 */
const MEANT: Readonly<Record<string, string>> = {
  SWITCHYARD_NATS_URL: 'SWITCHYARD_NATS_SERVERS (or NATS_URL)',
  SWITCHYARD_NATS_USERNAME: 'SWITCHYARD_NATS_USER',
  SWITCHYARD_NATS_PASS: 'SWITCHYARD_NATS_PASSWORD',
  SWITCHYARD_NATS_PWD: 'SWITCHYARD_NATS_PASSWORD',
  SWITCHYARD_NATS_NKEY: 'SWITCHYARD_NATS_NKEY_SEED',
  SWITCHYARD_NATS_SEED: 'SWITCHYARD_NATS_NKEY_SEED',
  SWITCHYARD_NATS_TLS_CA: 'SWITCHYARD_NATS_TLS_CA_FILE',
  SWITCHYARD_NATS_TLS_CERT: 'SWITCHYARD_NATS_TLS_CERT_FILE',
  SWITCHYARD_NATS_TLS_KEY: 'SWITCHYARD_NATS_TLS_KEY_FILE',
};

/** Reads the options from environment variables (see NATS_ENV); a bad value fails naming its variable. */
export function natsOptionsFromEnv(env: Env): NatsTransportOptions {
  warnUnknownEnv(env, 'SWITCHYARD_NATS_', Object.keys(NATS_ENV), undefined, { meant: MEANT });
  const options: Record<string, unknown> = {};
  const tls: Record<string, unknown> = {};
  const topicDefaults: Record<string, unknown> = {};
  const natsUrl = env.NATS_URL?.trim();
  if (natsUrl) options.servers = parseEnvValue('NATS_URL', 'list', natsUrl);
  for (const [variable, field] of Object.entries(NATS_ENV)) {
    const raw = env[variable]?.trim();
    if (raw === undefined || raw === '') continue;
    const value = parse(variable, field, raw);
    if (field.startsWith('tls.')) tls[field.slice(4)] = value;
    else if (field.startsWith('topicDefaults.')) topicDefaults[field.slice('topicDefaults.'.length)] = value;
    else options[field] = value;
  }
  if (Object.keys(tls).length > 0) options.tls = tls as NatsTlsOptions;
  if (Object.keys(topicDefaults).length > 0) options.topicDefaults = topicDefaults as NatsTopicDefaults;
  return options as NatsTransportOptions & { preset?: NatsPreset };
}

/**
 * The transport as configured by the environment: what `@switchyard/core/di` calls when
 * `SWITCHYARD_TRANSPORT=nats`. Validation errors name the environment variable at fault.
 */
export function transportFromEnv(env: Env = process.env): NatsTransport {
  const options = natsOptionsFromEnv(env);
  try {
    return nats(options);
  } catch (error) {
    throw restateForEnv(error, (field) => Object.entries(NATS_ENV).find(([, f]) => f === field)?.[0]);
  }
}

function parse(variable: string, field: string, raw: string): unknown {
  const kind = NUMBERS.has(field)
    ? 'number'
    : BOOLEANS.has(field)
      ? 'boolean'
      : LISTS.has(field)
        ? 'list'
        : 'string';
  return parseEnvValue(variable, kind, raw);
}
