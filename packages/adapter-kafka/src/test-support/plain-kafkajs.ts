// First: kafkajs prepared as the kafkajs driver prepares it (its encoder can only be put in place
// before kafkajs runs), as an application that uses kafkajs beside the transport would.
import '../kafkajs.ts';
import kafkajs from 'kafkajs';

/**
 * kafkajs for a test's own clients (an admin that creates topics or finds leaders, not the code under
 * test), with the fixes the kafkajs driver applies when it loads: without them, a test that uses
 * kafkajs before any bus prints Node's TimeoutNegativeWarning (kafkajs 2.2.4 re-arms a timer with a
 * negative delay) into the CI log, and the transport under test would run without its encoder.
 */
export default kafkajs;
