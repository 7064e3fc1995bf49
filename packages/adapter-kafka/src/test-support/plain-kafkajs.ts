import kafkajs from 'kafkajs';
import { patchKafkajs } from '../driver/kafkajs/kafkajs-patches.ts';

/**
 * kafkajs for a test's own clients (an admin that creates topics or finds leaders, not the code under
 * test), with the request-queue fix the kafkajs driver applies process-wide when it loads: without
 * it, a test that uses kafkajs before any bus prints Node's TimeoutNegativeWarning (kafkajs 2.2.4
 * re-arms a timer with a negative delay) into the CI log.
 */
patchKafkajs();

export default kafkajs;
