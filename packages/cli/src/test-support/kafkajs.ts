// First: kafkajs prepared as the adapter's kafkajs driver prepares it, before kafkajs loads.
import '@switchyard/adapter-kafka/kafkajs';
import kafkajs from 'kafkajs';

/**
 * kafkajs for the tests' own clients (a raw producer, an admin that lists groups or deletes topics),
 * with the fixes the adapter's kafkajs driver applies when it loads: without them, a test that uses
 * kafkajs before any bus prints Node's TimeoutNegativeWarning (kafkajs 2.2.4 re-arms a timer with a
 * negative delay) into the CI log, and a bus on the kafkajs driver would run without its encoder.
 */

export default kafkajs;
