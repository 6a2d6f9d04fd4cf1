// kafkajs 2.2.4 groups a produce request's messages per partition by copying the partition's
// array for every message (`[...current, message]`): quadratic in the messages per partition.
// A group-committed round carries thousands per partition (a symbol's trades topic has one), and
// that copying was a tenth of the ingest CPU. This installs a linear version of the same function
// in the module cache before kafkajs loads the module that requires it; import it before kafkajs.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type Grouping = (args: { topic: string; partitionMetadata: unknown[]; messages: unknown[]; partitioner: (a: { topic: string; partitionMetadata: unknown[]; message: unknown }) => number }) => Record<number, unknown[]>;

const linear: Grouping = ({ topic, partitionMetadata, messages, partitioner }) => {
  const result: Record<number, unknown[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
};

let path: string | undefined;
try {
  path = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
  require(path); // load it, then replace what later requires of it get
  require.cache[path]!.exports = linear;
} catch {
  // another kafkajs layout: run with its own grouping (the unit test says so)
  path = undefined;
}

export const kafkajsGroupingIsLinear = (): boolean => path !== undefined && require(path) === linear;
