// The partition of engine.event.v1 that carries a symbol's events: the engine keys every event by
// symbol and partitions with Kafka's default (murmur2 of the key modulo the partition count, as
// the Java client and kafkajs's DefaultPartitioner both do).
import { Partitioners } from '../ingest/kafkajs.js';

export function symbolPartitioner(partitionCount: number): (symbol: string) => number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return (symbol) => partitioner({ topic: 'engine', partitionMetadata, message: { key: symbol, value: null } });
}
