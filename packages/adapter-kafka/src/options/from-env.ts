import { configError, warnUnknownEnv } from '@switchyard/core/transport';
import { KAFKA_CHOICES } from './choices.ts';
import type { KafkaTransportOptions } from './options.ts';
import { checkOneOf } from './validate.ts';

type Env = Readonly<Record<string, string | undefined>>;
type Parser = (name: string, raw: string) => unknown;

const text: Parser = (_name, raw) => raw;
const integer: Parser = (name, raw) => {
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw configError(name, `must be an integer, got ${JSON.stringify(raw)}`);
  return value;
};
const bool: Parser = (name, raw) => {
  const lower = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  throw configError(name, `must be true or false, got ${JSON.stringify(raw)}`);
};
const list: Parser = (_name, raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
const integers: Parser = (name, raw) => (list(name, raw) as string[]).map((s) => integer(name, s));
const intOrAuto: Parser = (name, raw) => (raw.trim() === 'auto' ? 'auto' : integer(name, raw));
/** One of `allowed`, checked here so that the error names the variable rather than the option. */
const choice =
  (allowed: readonly string[]): Parser =>
  (name, raw) =>
    checkOneOf(name, raw, allowed);

/** `SWITCHYARD_KAFKA_<NAME>` → option path. Brokers also come from plain `KAFKA_BROKERS`. */
const SETTINGS: ReadonlyArray<readonly [string, string, Parser]> = [
  ['BROKERS', 'brokers', list],
  ['CLIENT_ID', 'clientId', text],
  ['DRIVER', 'driver', choice(KAFKA_CHOICES.driver)],
  ['GROUP_PROTOCOL', 'groupProtocol', choice(KAFKA_CHOICES.groupProtocol)],
  ['PRESET', 'preset', choice(KAFKA_CHOICES.preset)],
  ['PROFILE', 'profile', choice(KAFKA_CHOICES.profile)],
  ['CONNECT_TIMEOUT_MS', 'connectTimeoutMs', integer],
  ['REQUEST_TIMEOUT_MS', 'requestTimeoutMs', integer],
  ['AUTHENTICATION_TIMEOUT_MS', 'authenticationTimeoutMs', integer],
  ['RETRIES', 'retry.retries', integer],
  ['METADATA_MAX_AGE_MS', 'metadataMaxAgeMs', integer],
  ['ACKS', 'producer.acks', choice(KAFKA_CHOICES.acks)],
  ['IDEMPOTENT', 'producer.idempotent', bool],
  ['COMPRESSION', 'producer.compression', choice(KAFKA_CHOICES.compression)],
  ['LINGER_MS', 'producer.lingerMs', integer],
  ['BATCH_MAX_MESSAGES', 'producer.batchMaxMessages', integer],
  ['BATCH_MAX_BYTES', 'producer.batchMaxBytes', integer],
  ['MAX_MESSAGE_BYTES', 'producer.maxMessageBytes', integer],
  ['FETCH_MIN_BYTES', 'consumer.minBytes', integer],
  ['FETCH_MAX_BYTES', 'consumer.maxBytes', integer],
  ['FETCH_MAX_WAIT_MS', 'consumer.maxWaitTimeMs', integer],
  ['COMMIT_INTERVAL_MS', 'consumer.commitIntervalMs', integer],
  ['SESSION_TIMEOUT_MS', 'consumer.sessionTimeoutMs', integer],
  ['HEARTBEAT_INTERVAL_MS', 'consumer.heartbeatIntervalMs', integer],
  ['RETRY_TOPICS', 'retryTopics.enabled', bool],
  ['RETRY_TIERS_MS', 'retryTopics.tiersMs', integers],
  ['TOPIC_PARTITIONS', 'autoCreateTopics.partitions', integer],
  ['TOPIC_REPLICATION_FACTOR', 'autoCreateTopics.replicationFactor', intOrAuto],
  ['LOG_LEVEL', 'logLevel', choice(KAFKA_CHOICES.logLevel)],
  ['TLS_CA_FILE', 'tls.caFile', text],
  ['TLS_CERT_FILE', 'tls.certFile', text],
  ['TLS_KEY_FILE', 'tls.keyFile', text],
  ['TLS_SERVERNAME', 'tls.servername', text],
  ['TLS_REJECT_UNAUTHORIZED', 'tls.rejectUnauthorized', bool],
];

/** Old variable names still read, with a deprecation warning: old suffix → new suffix. */
const RENAMED: Readonly<Record<string, string>> = {
  CONNECTION_TIMEOUT_MS: 'CONNECT_TIMEOUT_MS',
  SSL: 'TLS',
  SSL_CA_FILE: 'TLS_CA_FILE',
};

const PREFIX = 'SWITCHYARD_KAFKA_';
/** Every `SWITCHYARD_KAFKA_*` variable read here: any other is reported as a likely misspelling. */
const KNOWN_VARIABLES = [
  ...SETTINGS.map(([suffix]) => suffix),
  ...Object.keys(RENAMED),
  'TLS',
  'SASL_MECHANISM',
  'SASL_USERNAME',
  'SASL_PASSWORD',
].map((suffix) => `${PREFIX}${suffix}`);

/**
 * Reads Kafka settings from the environment: `KAFKA_BROKERS` (or `SWITCHYARD_KAFKA_BROKERS`),
 * `SWITCHYARD_KAFKA_PRESET`, `…_PROFILE`, `…_ACKS`, `…_COMPRESSION`, `…_LINGER_MS`, `…_TLS`
 * (`true`; or any of `…_TLS_CA_FILE`, `…_TLS_CERT_FILE`, `…_TLS_KEY_FILE`, `…_TLS_SERVERNAME`,
 * `…_TLS_REJECT_UNAUTHORIZED`, which imply TLS), `…_SASL_MECHANISM` / `…_SASL_USERNAME` /
 * `…_SASL_PASSWORD`, and the rest listed in the README. Errors name the variable at fault.
 */
export function kafkaOptionsFromEnv(env: Env = process.env): KafkaTransportOptions {
  warnUnknownEnv(env, PREFIX, KNOWN_VARIABLES);
  const options: Record<string, unknown> = {};
  const read = (suffix: string): string | undefined => {
    const raw = env[`SWITCHYARD_KAFKA_${suffix}`]?.trim();
    if (raw !== undefined && raw !== '') return raw;
    const old = Object.keys(RENAMED).find((name) => RENAMED[name] === suffix);
    const legacy = old === undefined ? undefined : env[`SWITCHYARD_KAFKA_${old}`]?.trim();
    if (legacy === undefined || legacy === '') return undefined;
    process.emitWarning(
      `SWITCHYARD_KAFKA_${old} is deprecated; use SWITCHYARD_KAFKA_${suffix}`,
      'DeprecationWarning',
    );
    return legacy;
  };
  const brokers = env.KAFKA_BROKERS;
  if (brokers !== undefined && brokers.trim() !== '') set(options, 'brokers', list('KAFKA_BROKERS', brokers));
  for (const [suffix, path, parse] of SETTINGS) {
    const raw = read(suffix);
    if (raw !== undefined) set(options, path, parse(`SWITCHYARD_KAFKA_${suffix}`, raw));
  }
  const tls = read('TLS');
  if (tls !== undefined && options.tls === undefined) options.tls = bool('SWITCHYARD_KAFKA_TLS', tls);
  const mechanism = read('SASL_MECHANISM');
  if (mechanism !== undefined) {
    options.sasl = {
      mechanism: checkOneOf(
        'SWITCHYARD_KAFKA_SASL_MECHANISM',
        mechanism.toLowerCase(),
        KAFKA_CHOICES.saslMechanism,
      ),
      username: env.SWITCHYARD_KAFKA_SASL_USERNAME ?? '',
      password: env.SWITCHYARD_KAFKA_SASL_PASSWORD ?? '',
    };
  }
  return options as KafkaTransportOptions;
}

function set(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}
