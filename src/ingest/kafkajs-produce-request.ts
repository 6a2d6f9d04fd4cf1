// kafkajs 2.2.4 encodes every produced record through its own Encoder objects (see
// kafkajs-record-batch.ts). This installs a produce request (v3, which v4-v7 build on) whose
// uncompressed record batches come from encodeRecordBatch, in the module cache before kafkajs
// loads it; compressed batches go through kafkajs's own request. Import it before kafkajs, as
// kafkajs-linear-grouping.ts.
import { createRequire } from 'node:module';
import { kafkajsModule, kafkajsModuleIs, replaceKafkajsModule } from './kafkajs-internals.js';
import { encodeRecordBatch, type Crc32c, type ProduceMessage } from './kafkajs-record-batch.js';

interface EncoderLike {
  writeInt16(n: number): EncoderLike;
  writeInt32(n: number): EncoderLike;
  writeString(s: string | null): EncoderLike;
  writeArray(a: unknown[]): EncoderLike;
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}
type EncoderClass = { new (size?: number): EncoderLike; prototype: EncoderLike };

interface PartitionData {
  partition: number;
  firstSequence?: number;
  messages: ProduceMessage[];
}
export interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: { toString(): string };
  producerEpoch?: number;
  compression?: number;
  topicData: { topic: string; partitions: PartitionData[] }[];
}
export interface ProduceRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse: () => boolean;
  encode: () => Promise<EncoderLike>;
}
export type ProduceRequestBuilder = (args: ProduceArgs) => ProduceRequest;

const V3 = 'src/protocol/requests/produce/v3/request.js';
const Encoder = kafkajsModule<EncoderClass>('src/protocol/encoder.js');
// native CRC-32C (SSE 4.2), ~30x kafkajs's table loop here; kafkajs's where no binary is built for the platform
const native = nativeCrc32c();
const crc32c = native ?? kafkajsModule<Crc32c>('src/protocol/recordBatch/crc32C/index.js');
const apiKeys = kafkajsModule<{ Produce: number }>('src/protocol/requests/apiKeys.js');

/** kafkajs's own produce request v3 (the one this file replaces), as loaded before the patch. */
export const kafkajsProduceRequest = kafkajsModule<ProduceRequestBuilder>(V3);

function nativeCrc32c(): Crc32c | undefined {
  try {
    const { crc32c: native } = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c(b: Buffer): number };
    return (b) => native(b) >>> 0;
  } catch {
    return undefined;
  }
}

/** An Encoder holding `buf` as written, without copying it. */
function encoderOf(E: EncoderClass, buf: Buffer): EncoderLike {
  const e = Object.create(E.prototype) as EncoderLike;
  e.buf = buf;
  e.offset = buf.length;
  return e;
}

export const leanProduceRequest: ProduceRequestBuilder = (args) => {
  const original = kafkajsProduceRequest!;
  const E = Encoder!;
  if ((args.compression ?? 0) !== 0) return original(args);
  const transactionalId = args.transactionalId ?? null;
  const producer = { producerId: args.producerId ?? -1, producerEpoch: args.producerEpoch ?? 0, transactional: !!transactionalId };
  return {
    apiKey: apiKeys!.Produce,
    apiVersion: 3,
    apiName: 'Produce',
    expectResponse: () => args.acks !== 0,
    encode: async () => {
      const topics = args.topicData.map(({ topic, partitions }) => {
        const encoded = partitions.map(({ partition, firstSequence, messages }) => {
          const buf = encodeRecordBatch(messages, { ...producer, firstSequence: firstSequence ?? 0 }, crc32c!, Date.now(), 8);
          buf.writeInt32BE(partition, 0);
          buf.writeInt32BE(buf.length - 8, 4);
          return encoderOf(E, buf);
        });
        return new E().writeString(topic).writeArray(encoded);
      });
      return new E().writeString(transactionalId).writeInt16(args.acks).writeInt32(args.timeout).writeArray(topics);
    },
  };
};

// undefined for another kafkajs layout: it then encodes with its own request (the unit test says so)
const path = Encoder && crc32c && apiKeys && kafkajsProduceRequest ? replaceKafkajsModule(V3, leanProduceRequest) : undefined;

export const leanProduceRequestInstalled = (): boolean => kafkajsModuleIs(path, leanProduceRequest);

/** Whether record batches get their CRC from the native library (not kafkajs's JavaScript loop). */
export const produceCrcIsNative = (): boolean => native !== undefined;
