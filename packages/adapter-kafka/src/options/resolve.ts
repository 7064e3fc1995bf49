import { checkKnownKeys, configError, definedFields, LOG_LEVELS } from '@switchyard/core/transport';
import { KAFKA_CHOICES } from './choices.ts';
import type {
  KafkaAutoCreateOptions,
  KafkaConsumerOptions,
  KafkaProducerOptions,
  KafkaRetryOptions,
  KafkaTransportOptions,
  ResolvedKafkaOptions,
} from './options.ts';
import { DEFAULT_KAFKA_OPTIONS, DEPLOYMENT_PROFILES, KAFKA_PRESETS } from './presets.ts';
import { checkBrokers, checkInteger, checkOneOf, checkSasl, checkTiers, checkTls } from './validate.ts';

const TOP_LEVEL_KEYS = [...Object.keys(DEFAULT_KAFKA_OPTIONS)] as const;

/** The producer's own buffer options, gone since core's publish buffer is the one bound. */
const REMOVED_PRODUCER_KEYS = [
  'bufferMaxMessages',
  'bufferMaxBytes',
  'whenBufferFull',
  'bufferWaitTimeoutMs',
];

/** Options that were renamed: naming the new one beats "unknown option". */
const RENAMED: Readonly<Record<string, string>> = {
  ssl: 'was renamed to `tls` (true, or { ca | caFile, cert | certFile, key | keyFile, servername, rejectUnauthorized })',
  connectionTimeoutMs: 'was renamed to `connectTimeoutMs`',
};

/** kafkajs' and @platformatic/kafka's names for options this transport names or places otherwise. */
const CLIENT_NAMES: Readonly<Record<string, string>> = {
  bootstrapBrokers: 'brokers',
  connectionTimeout: 'connectTimeoutMs',
  requestTimeout: 'requestTimeoutMs',
  authenticationTimeout: 'authenticationTimeoutMs',
  logCreator: 'logger',
  acks: 'producer.acks',
  idempotent: 'producer.idempotent',
  compression: 'producer.compression',
  lingerMs: 'producer.lingerMs',
};

/**
 * Merges defaults < preset < deployment profile < the caller's fields, then checks every value
 * and the rules between them. Throws `INVALID_CONFIG` naming the field at fault.
 */
export function resolveKafkaOptions(options: KafkaTransportOptions = {}): ResolvedKafkaOptions {
  for (const [old, why] of Object.entries(RENAMED)) if (old in options) throw configError(old, why);
  checkKnownKeys(options, TOP_LEVEL_KEYS, '', CLIENT_NAMES);
  const preset = checkOneOf('preset', options.preset ?? DEFAULT_KAFKA_OPTIONS.preset, KAFKA_CHOICES.preset);
  const profile = checkOneOf(
    'profile',
    options.profile ?? DEFAULT_KAFKA_OPTIONS.profile,
    KAFKA_CHOICES.profile,
  );
  const presetValues = KAFKA_PRESETS[preset];
  const profileValues = DEPLOYMENT_PROFILES[profile];
  for (const removed of REMOVED_PRODUCER_KEYS) {
    if (options.producer !== undefined && removed in options.producer) {
      throw configError(
        `producer.${removed}`,
        'was removed: the publish buffer is core’s, set it on the bus: createEventBus({ publishBuffer: { maxMessages, maxBytes, whenFull } })',
      );
    }
  }
  checkKnownKeys(options.producer ?? {}, Object.keys(DEFAULT_KAFKA_OPTIONS.producer), 'producer.');
  checkKnownKeys(options.consumer ?? {}, Object.keys(DEFAULT_KAFKA_OPTIONS.consumer), 'consumer.');
  checkKnownKeys(options.retry ?? {}, Object.keys(DEFAULT_KAFKA_OPTIONS.retry), 'retry.');
  checkKnownKeys(options.retryTopics ?? {}, Object.keys(DEFAULT_KAFKA_OPTIONS.retryTopics), 'retryTopics.');

  const producerFields = definedFields(options.producer);
  const merged: KafkaProducerOptions = {
    ...DEFAULT_KAFKA_OPTIONS.producer,
    ...presetValues.producer,
    ...producerFields,
  };
  // `{ preset: 'throughput', producer: { acks: 'all', idempotent: true } }` asks for idempotence on
  // top of a preset that pipelines requests: the preset's in-flight count gives way (kafkajs keeps
  // idempotent requests one at a time); only a value the caller set is refused below.
  const producer: KafkaProducerOptions =
    merged.idempotent && producerFields.maxInFlightRequests === undefined
      ? { ...merged, maxInFlightRequests: 1 }
      : merged;
  const consumer: KafkaConsumerOptions = {
    ...DEFAULT_KAFKA_OPTIONS.consumer,
    ...presetValues.consumer,
    ...profileValues.consumer,
    ...definedFields(options.consumer),
  };
  const retry: KafkaRetryOptions = { ...profileValues.retry, ...definedFields(options.retry) };
  const autoCreateTopics = resolveAutoCreate(options.autoCreateTopics);

  const resolved: ResolvedKafkaOptions = {
    brokers: checkBrokers('brokers', options.brokers ?? DEFAULT_KAFKA_OPTIONS.brokers),
    clientId: options.clientId ?? DEFAULT_KAFKA_OPTIONS.clientId,
    driver: checkOneOf('driver', options.driver ?? DEFAULT_KAFKA_OPTIONS.driver, KAFKA_CHOICES.driver),
    groupProtocol: checkOneOf(
      'groupProtocol',
      options.groupProtocol ?? DEFAULT_KAFKA_OPTIONS.groupProtocol,
      KAFKA_CHOICES.groupProtocol,
    ),
    preset,
    profile,
    tls: checkTls('tls', options.tls),
    sasl: checkSasl('sasl', options.sasl),
    connectTimeoutMs: options.connectTimeoutMs ?? profileValues.connectTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs ?? profileValues.requestTimeoutMs,
    authenticationTimeoutMs: options.authenticationTimeoutMs ?? profileValues.authenticationTimeoutMs,
    retry,
    metadataMaxAgeMs: options.metadataMaxAgeMs ?? DEFAULT_KAFKA_OPTIONS.metadataMaxAgeMs,
    producer,
    consumer,
    retryTopics: { ...DEFAULT_KAFKA_OPTIONS.retryTopics, ...definedFields(options.retryTopics) },
    autoCreateTopics,
    logLevel: checkOneOf(
      'logLevel',
      options.logLevel ?? DEFAULT_KAFKA_OPTIONS.logLevel,
      KAFKA_CHOICES.logLevel,
    ),
    logger: options.logger ?? DEFAULT_KAFKA_OPTIONS.logger,
  };
  checkValues(resolved);
  return resolved;
}

function resolveAutoCreate(value: KafkaTransportOptions['autoCreateTopics']): KafkaAutoCreateOptions | false {
  if (value === false) return false;
  const base = DEFAULT_KAFKA_OPTIONS.autoCreateTopics as KafkaAutoCreateOptions;
  if (value === undefined) return base;
  checkKnownKeys(value, Object.keys(base), 'autoCreateTopics.');
  return { ...base, ...definedFields(value) };
}

function checkValues(o: ResolvedKafkaOptions): void {
  if (typeof o.clientId !== 'string' || o.clientId.length === 0)
    throw configError('clientId', 'must be a non-empty string');
  checkInteger('connectTimeoutMs', o.connectTimeoutMs, 1);
  checkInteger('requestTimeoutMs', o.requestTimeoutMs, 1);
  checkInteger('authenticationTimeoutMs', o.authenticationTimeoutMs, 1);
  checkInteger('metadataMaxAgeMs', o.metadataMaxAgeMs, 0);
  checkInteger('retry.retries', o.retry.retries, 0);
  checkInteger('retry.initialRetryTimeMs', o.retry.initialRetryTimeMs, 1);
  checkInteger('retry.maxRetryTimeMs', o.retry.maxRetryTimeMs, o.retry.initialRetryTimeMs);

  const p = o.producer;
  checkOneOf('producer.acks', p.acks, KAFKA_CHOICES.acks);
  checkOneOf('producer.compression', p.compression, KAFKA_CHOICES.compression);
  if (typeof p.idempotent !== 'boolean') throw configError('producer.idempotent', 'must be true or false');
  checkInteger('producer.lingerMs', p.lingerMs, 0);
  checkInteger('producer.batchMaxMessages', p.batchMaxMessages, 1);
  checkInteger('producer.batchMaxBytes', p.batchMaxBytes, 1);
  checkInteger('producer.maxInFlightRequests', p.maxInFlightRequests, 1);
  checkInteger('producer.produceTimeoutMs', p.produceTimeoutMs, 1);
  checkInteger('producer.maxMessageBytes', p.maxMessageBytes, 1);
  if (p.idempotent && p.acks !== 'all') {
    throw configError(
      'producer.idempotent',
      `the idempotent producer needs acks 'all', but acks is '${p.acks}'; set acks: 'all' or idempotent: false`,
    );
  }
  if (p.idempotent && o.retry.retries < 1) {
    throw configError(
      'retry.retries',
      'must be at least 1 with the idempotent producer (a transient broker error would otherwise fail the batch); set retries >= 1 or idempotent: false',
    );
  }
  if (p.idempotent && p.maxInFlightRequests !== 1 && o.driver === 'kafkajs') {
    throw configError(
      'producer.maxInFlightRequests',
      'must be 1 with the idempotent producer on the kafkajs driver (kafkajs keeps sequence numbers per broker, one request at a time)',
    );
  }
  if (p.idempotent && p.maxInFlightRequests > 5) {
    throw configError(
      'producer.maxInFlightRequests',
      'must be at most 5 with the idempotent producer (the broker de-duplicates the last five batches)',
    );
  }
  if (o.groupProtocol === 'consumer' && o.driver !== 'platformatic') {
    throw configError(
      'groupProtocol',
      "'consumer' (KIP-848) needs driver: 'platformatic'; kafkajs speaks only the classic protocol",
    );
  }

  const c = o.consumer;
  checkInteger('consumer.minBytes', c.minBytes, 1);
  checkInteger('consumer.maxBytes', c.maxBytes, 1);
  checkInteger('consumer.maxWaitTimeMs', c.maxWaitTimeMs, 0);
  checkInteger('consumer.maxBytesPerPartition', c.maxBytesPerPartition, 1);
  checkInteger('consumer.commitIntervalMs', c.commitIntervalMs, 1);
  checkInteger('consumer.sessionTimeoutMs', c.sessionTimeoutMs, 1);
  checkInteger('consumer.heartbeatIntervalMs', c.heartbeatIntervalMs, 1);
  checkInteger('consumer.rebalanceTimeoutMs', c.rebalanceTimeoutMs, 1);
  if (c.heartbeatIntervalMs * 3 > c.sessionTimeoutMs) {
    throw configError(
      'consumer.heartbeatIntervalMs',
      `must be at most a third of consumer.sessionTimeoutMs (${c.sessionTimeoutMs} ms)`,
    );
  }
  if (c.maxBytesPerPartition > c.maxBytes) {
    throw configError('consumer.maxBytesPerPartition', `must not exceed consumer.maxBytes (${c.maxBytes})`);
  }

  if (typeof o.retryTopics.enabled !== 'boolean')
    throw configError('retryTopics.enabled', 'must be true or false');
  checkTiers('retryTopics.tiersMs', o.retryTopics.tiersMs);
  if (o.autoCreateTopics !== false) {
    checkInteger('autoCreateTopics.partitions', o.autoCreateTopics.partitions, 1);
    if (o.autoCreateTopics.replicationFactor !== 'auto') {
      checkInteger('autoCreateTopics.replicationFactor', o.autoCreateTopics.replicationFactor, 1);
    }
  }
  if (typeof o.logger?.warn !== 'function' || typeof o.logger.error !== 'function')
    throw configError('logger', 'must have warn(message) and error(message) functions, like console');
}
