// kafkajs as published (none of the service's patches: this process never loads src/ingest/kafkajs.ts),
// a fresh group member reading `topic` from its end for `seconds` after a 2 s settle: prints each
// record's delivery latency (now − its CreateTime, ms) as one JSON array.
import { Kafka, logLevel } from 'kafkajs';

const [brokers, topic, groupId, seconds] = process.argv.slice(2) as [string, string, string, string];
const consumer = new Kafka({ clientId: 'bench-plain-delivery', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).consumer({ groupId, maxWaitTimeInMs: 100 });
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: false });
const out: number[] = [];
let from = Infinity;
await consumer.run({
  eachBatch: async ({ batch }) => {
    const now = Date.now();
    if (from === Infinity) from = now + 2000;
    if (now >= from) for (const m of batch.messages) out.push(now - Number(m.timestamp));
  },
});
await new Promise((r) => setTimeout(r, (Number(seconds) + 4) * 1000));
await consumer.disconnect();
process.stdout.write(`${JSON.stringify(out)}\n`);
