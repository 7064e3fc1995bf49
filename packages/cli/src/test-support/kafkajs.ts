import kafkajs from 'kafkajs';

/** kafkajs for the tests' own clients. */
export default kafkajs;
