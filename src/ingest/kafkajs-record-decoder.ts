// kafkajs 2.2.4 decodes each fetched record's offset and timestamp through Long objects (parse
// the batch's first offset and timestamp from strings, add, print back) and its headers by
// spreading an object per header: a tenth of the ingest CPU with the garbage it left. This
// installs a record decoder giving the same record with number arithmetic where it is exact
// (below 2^53, every offset and millisecond timestamp in practice; BigInt beyond, as kafkajs's Long),
// in the module cache before kafkajs loads the record-batch decoder that requires it. Import it
// before kafkajs, as kafkajs-linear-grouping.ts. test/unit/kafkajs-record-decoder.test.ts holds it
// to kafkajs's own output.
import { kafkajsModule, kafkajsModuleIs, replaceKafkajsModule } from './kafkajs-internals.js';

export interface RecordContext {
  firstOffset?: string;
  firstTimestamp?: string;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
  maxTimestamp?: string;
}
interface DecoderLike {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarLong(): { toString(): string };
  readVarIntBytes(): Buffer | null;
  readVarIntString(): string | null;
}
export type RecordDecoder = (decoder: DecoderLike, ctx?: RecordContext) => unknown;

const PATH = 'src/protocol/recordBatch/record/v0/decoder.js';
const LOG_APPEND_TIME = 1;
const BASES = Symbol('record bases');

/** kafkajs's own record decoder (the one this file replaces), as loaded before the patch. */
export const kafkajsRecordDecoder = kafkajsModule<RecordDecoder>(PATH);

/** The batch's first offset and timestamp as numbers, parsed once per batch (NaN when not exact). */
function bases(ctx: RecordContext & { [BASES]?: [number, number] }): [number, number] {
  let b = ctx[BASES];
  if (!b) {
    const exact = (s: string | undefined) => {
      const n = Number(s ?? 0);
      return Number.isSafeInteger(n) ? n : NaN;
    };
    b = [exact(ctx.firstOffset), exact(ctx.firstTimestamp)];
    Object.defineProperty(ctx, BASES, { value: b }); // not enumerable: the context is handed to users
  }
  return b;
}

/** A zig-zag varlong as a number, or NaN when it does not fit exactly (the decoder is then left where it was). */
function readVarLongNumber(d: DecoderLike): number {
  const buf = d.buffer;
  let o = d.offset;
  let v = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    const byte = buf[o++]!;
    v += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      d.offset = o;
      return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    }
    scale *= 128;
  }
  return NaN;
}

let decoded = 0;

export const leanRecordDecoder: RecordDecoder = (decoder, ctx = {}) => {
  decoded++;
  const { magicByte, isControlBatch = false, timestampType, maxTimestamp } = ctx;
  const [firstOffset, firstTimestamp] = bases(ctx);
  const attributes = decoder.readInt8();
  const delta = readVarLongNumber(decoder);
  let timestamp: string;
  if (timestampType === LOG_APPEND_TIME && maxTimestamp) {
    if (Number.isNaN(delta)) decoder.readVarLong();
    timestamp = maxTimestamp;
  } else if (!Number.isNaN(delta) && !Number.isNaN(firstTimestamp) && Number.isSafeInteger(firstTimestamp + delta)) {
    timestamp = String(firstTimestamp + delta);
  } else {
    const exact = Number.isNaN(delta) ? decoder.readVarLong().toString() : String(delta);
    timestamp = String(BigInt(ctx.firstTimestamp!) + BigInt(exact));
  }
  const offsetDelta = decoder.readVarInt();
  const offset = Number.isSafeInteger(firstOffset + offsetDelta) ? String(firstOffset + offsetDelta) : String(BigInt(ctx.firstOffset!) + BigInt(offsetDelta));
  const key = decoder.readVarIntBytes();
  const value = decoder.readVarIntBytes();
  const count = decoder.readVarInt();
  const headers: Record<string, Buffer | null | (Buffer | null)[]> = {};
  for (let i = 0; i < count; i++) {
    const k = decoder.readVarIntString()!;
    const v = decoder.readVarIntBytes();
    const had = headers[k];
    headers[k] = had === undefined ? v : Array.isArray(had) ? had.concat([v]) : [had, v];
  }
  return { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: isControlBatch, batchContext: ctx };
};

// undefined for another kafkajs layout: it then decodes with its own (the unit test says so)
const path = kafkajsRecordDecoder ? replaceKafkajsModule(PATH, leanRecordDecoder) : undefined;

type BatchDecoder = (d: unknown) => Promise<{ records: unknown[] }>;
type DecoderClass = new (b: Buffer) => unknown;

/**
 * Whether kafkajs's record-batch decoder (what fetches go through) decodes records with this file's
 * decoder: `batch` (an encoded record batch) is decoded by it and must pass through leanRecordDecoder.
 */
export async function leanRecordDecoderInUse(batch: Buffer): Promise<boolean> {
  const decodeBatch = kafkajsModule<BatchDecoder>('src/protocol/recordBatch/v0/decoder.js');
  const Decoder = kafkajsModule<DecoderClass>('src/protocol/decoder.js');
  if (!kafkajsModuleIs(path, leanRecordDecoder) || !decodeBatch || !Decoder) return false;
  const before = decoded;
  const { records } = await decodeBatch(new Decoder(batch));
  return records.length > 0 && decoded - before === records.length;
}
