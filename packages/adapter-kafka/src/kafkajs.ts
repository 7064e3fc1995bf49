/**
 * kafkajs prepared as the kafkajs driver prepares it, for applications and tools that use kafkajs
 * themselves beside a Switchyard transport. Import it before the first `import 'kafkajs'`:
 *
 * ```ts
 * import '@switchyard/adapter-kafka/kafkajs'; // first
 * import { Kafka } from 'kafkajs';
 * ```
 *
 * The kafkajs driver loads kafkajs on a transport's first `connect()`, and a transport on the
 * platformatic driver never loads it. Its record encoder can only be put in place before kafkajs
 * first runs; an application that loaded kafkajs earlier gets the driver's other fixes, a warning,
 * and `health().details.patches.encoder` `'varint-only'`. Importing this module applies, to kafkajs
 * 2.2.4 only:
 * - the record encoder, decoder, CRC-32C and partition grouping the driver uses;
 * - the request-queue timer fix (no Node `TimeoutNegativeWarning`), the hung-broker, empty-fetch-batch
 *   and rejoin-wait fixes (`patchKafkajs`);
 * - the LZ4, Snappy and zstd codecs, so a kafkajs consumer of the application reads what the
 *   transport compressed.
 *
 * @packageDocumentation
 * @module @switchyard/adapter-kafka/kafkajs
 */
import './driver/kafkajs/kafkajs-encoder-patch.ts';
import { registerCompressionCodecs } from './driver/kafkajs/compression.ts';
import { patchKafkajs } from './driver/kafkajs/kafkajs-patches.ts';

registerCompressionCodecs();
patchKafkajs();

/** What was put in place of kafkajs' encoder: `full`, `varint-only` (kafkajs ran first) or `skipped` (another version). */
export { encoderPatch } from './driver/kafkajs/kafkajs-encoder-patch.ts';
