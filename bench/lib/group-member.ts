// A plain kafkajs consumer-group member doing no work (the failover floor): prints one JSON line
// per message with its partition and the time it was read. Run as a child process, killed with -9.
import { Kafka, logLevel } from 'kafkajs';

const [brokers, topic, groupId, sessionTimeout] = process.argv.slice(2) as [string, string, string, string];
const kafka = new Kafka({ clientId: 'failover-floor', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId, sessionTimeout: Number(sessionTimeout), heartbeatInterval: Math.max(500, Math.floor(Number(sessionTimeout) / 6)), maxWaitTimeInMs: 50 });
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: false });
await consumer.run({
  eachBatch: async ({ batch }) => {
    process.stdout.write(`${JSON.stringify({ partition: batch.partition, at: Date.now(), n: batch.messages.length })}\n`);
  },
});
