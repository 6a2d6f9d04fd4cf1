// kafkajs 2.2.4 groups a produce request's messages per partition by copying the partition's
// array for every message (`[...current, message]`): quadratic in the messages per partition.
// A group-committed round carries thousands per partition (a symbol's trades topic has one), and
// that copying was a tenth of the ingest CPU. This installs a linear version of the same function
// in the module cache before kafkajs loads the module that requires it; import it before kafkajs.
import { kafkajsModuleIs, replaceKafkajsModule } from './kafkajs-internals.js';

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

// undefined for another kafkajs layout: it then runs with its own grouping (the unit test says so)
const path = replaceKafkajsModule('src/producer/groupMessagesPerPartition.js', linear);

export const kafkajsGroupingIsLinear = (): boolean => kafkajsModuleIs(path, linear);
