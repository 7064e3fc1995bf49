import { patchKafkajs } from '@switchyard/adapter-kafka';
import kafkajs from 'kafkajs';

/**
 * kafkajs for the tests' own clients (a raw producer, an admin that lists groups or deletes topics),
 * with the fixes the adapter's kafkajs driver applies when it loads: without them, a test that uses
 * kafkajs before any bus prints Node's TimeoutNegativeWarning (kafkajs 2.2.4 re-arms a timer with a
 * negative delay) into the CI log.
 */
patchKafkajs();

export default kafkajs;
