// kafkajs as this service runs it. Its patches (see each file) must be installed before kafkajs
// loads, so kafkajs's values are imported from here, never from 'kafkajs' itself (types may be);
// test/unit/kafkajs-imports.test.ts holds every module to that.
import './kafkajs-aborted-filter.js'; // first: the others load kafkajs's consumer group, which loads the filter
import './kafkajs-transaction-manager.js'; // before kafkajs's producer loads its transaction manager
import './kafkajs-batch.js'; // before the consumer group loads: it holds the Batch class
import './kafkajs-linear-grouping.js';
import './kafkajs-produce-request.js';
import './kafkajs-record-decoder.js';
import './kafkajs-rebalance-hooks.js';
import './kafkajs-member-reuse.js';
import './kafkajs-fetch-sessions.js';
import './kafkajs-request-queue.js';
export { Kafka, Partitioners, logLevel } from 'kafkajs';
