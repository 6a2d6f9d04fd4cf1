// kafkajs 2.2.4's Batch keeps the fetched messages at or past the fetch offset by parsing every
// message's offset into a Long (a BigInt and an object per message). Offsets ascend within a
// partition's fetch response (Kafka's log order), so only a leading run can lie below the fetch
// offset (the head of a compressed record batch): this installs a Batch that skips that run and
// keeps the rest as they are. Its methods are kafkajs's own (same prototype). It must be in the
// module cache before kafkajs's consumer group loads: import it right after kafkajs-aborted-filter.ts
// (whose filter it uses), before anything that loads the consumer group.
import { kafkajsModule, kafkajsModuleIs, kafkajsModuleLoaded, replaceKafkajsModule } from './kafkajs-internals.js';

interface Message {
  offset: string;
  isControlRecord?: boolean;
}
interface PartitionData {
  partition: number;
  highWatermark: string;
  abortedTransactions?: unknown[];
  messages: Message[];
}
interface BatchFields {
  fetchedOffset: string;
  topic: string;
  partition: number;
  highWatermark: string;
  rawMessages: Message[];
  messagesWithinOffset: Message[];
  messages: Message[];
}
type Filter = (a: { messages: Message[]; abortedTransactions?: unknown[] }) => Message[];
export type BatchClass = new (topic: string, fetchedOffset: string, partitionData: PartitionData) => BatchFields;

const PATH = 'src/consumer/batch.js';
const filterAborted = kafkajsModule<Filter>('src/consumer/filterAbortedMessages.js');

/** kafkajs's own Batch (the one this file replaces), as loaded before the patch. */
export const KafkajsBatch = kafkajsModule<BatchClass>(PATH);

function below(offset: string, from: number, fromText: string): boolean {
  const n = Number(offset);
  return Number.isSafeInteger(n) && Number.isSafeInteger(from) ? n < from : BigInt(offset) < BigInt(fromText);
}

function LeanBatchFn(this: BatchFields, topic: string, fetchedOffset: string, partitionData: PartitionData): void {
  this.fetchedOffset = fetchedOffset;
  const { abortedTransactions, messages } = partitionData;
  this.topic = topic;
  this.partition = partitionData.partition;
  this.highWatermark = partitionData.highWatermark;
  this.rawMessages = messages;
  const from = Number(fetchedOffset);
  let first = 0;
  while (first < messages.length && below(messages[first]!.offset, from, String(fetchedOffset))) first++;
  this.messagesWithinOffset = messages.slice(first);
  this.messages = filterAborted!({ messages: this.messagesWithinOffset, abortedTransactions }).filter((m) => !m.isControlRecord);
}

export const LeanBatch = LeanBatchFn as unknown as BatchClass;
if (KafkajsBatch) LeanBatch.prototype = KafkajsBatch.prototype;

// too late once the consumer group has loaded kafkajs's Batch: then kafkajs runs with its own (the unit test says so)
const path = KafkajsBatch && filterAborted && !kafkajsModuleLoaded('src/consumer/consumerGroup.js') ? replaceKafkajsModule(PATH, LeanBatch) : undefined;

export const leanBatchInstalled = (): boolean => kafkajsModuleIs(path, LeanBatch);
