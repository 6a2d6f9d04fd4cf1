// A Kafka record batch (magic 2, uncompressed) written in one pass into one buffer: the bytes
// kafkajs 2.2.4 produces for the same messages (test/unit/kafkajs-record-batch.test.ts holds it
// to that), without its per-record Encoder (a zeroed 512-byte buffer each, grown by copying) and
// Long arithmetic for every varint. kafkajs's way was a sixth of the ingest CPU with the garbage
// it left; see kafkajs-produce-request.ts for where it is installed.

export type HeaderValue = Buffer | string | null | undefined;

export interface ProduceMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, HeaderValue | HeaderValue[]>;
  timestamp?: number | string;
}

export interface BatchProducer {
  /** kafkajs's Long, or anything whose String() is the id. */
  producerId: { toString(): string } | number | string;
  producerEpoch: number;
  firstSequence: number;
  transactional: boolean;
}

/** Kafka's record-batch CRC (CRC-32C, Castagnoli) of `buf`, unsigned. */
export type Crc32c = (buf: Buffer) => number;

const zigzag32 = (n: number): number => ((n << 1) ^ (n >> 31)) >>> 0;

function varIntSize(n: number): number {
  let v = zigzag32(n);
  let bytes = 1;
  while (v >= 0x80) {
    bytes++;
    v >>>= 7;
  }
  return bytes;
}

/** Zig-zag of a safe integer as a non-negative number (exact below 2^52 in magnitude). */
const zigzag64 = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);

function varLongSize(n: number): number {
  let v = zigzag64(n);
  let bytes = 1;
  while (v >= 0x80) {
    bytes++;
    v = Math.floor(v / 128);
  }
  return bytes;
}

class Writer {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  varInt(n: number): void {
    let v = zigzag32(n);
    while (v >= 0x80) {
      this.buf[this.offset++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.offset++] = v;
  }

  varLong(n: number): void {
    let v = zigzag64(n);
    while (v >= 0x80) {
      this.buf[this.offset++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.offset++] = v;
  }

  /** A varint length and the bytes; -1 for null. `size` is its byte length, known already. */
  bytes(value: Buffer | string | null | undefined, size: number): void {
    if (value == null) return this.varInt(-1);
    this.varInt(size);
    if (typeof value === 'string') this.offset += this.buf.write(value, this.offset, size, 'utf8');
    else {
      value.copy(this.buf, this.offset);
      this.offset += size;
    }
  }
}

const byteSize = (v: Buffer | string | null | undefined): number => (v == null ? -1 : typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length);
const fieldSize = (size: number): number => (size < 0 ? varIntSize(-1) : varIntSize(size) + size);

type Header = [key: string, value: HeaderValue];

/** kafkajs's order: each key in turn, an array value as one header per element. */
function headerList(headers: ProduceMessage['headers']): Header[] {
  const out: Header[] = [];
  if (!headers) return out;
  for (const key of Object.keys(headers)) {
    const v = headers[key];
    if (Array.isArray(v)) for (const x of v) out.push([key, x]);
    else out.push([key, v]);
  }
  return out;
}

// Offsets within a batch: [firstOffset int64][length int32][leaderEpoch int32][magic int8][crc uint32][attributes int16]...
const CRC_AT = 8 + 4 + 4 + 1;
const BODY_AT = CRC_AT + 4;
const BODY_FIXED = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4; // attributes .. record count
const TRANSACTIONAL = 0x10;

/**
 * The record batch of `messages` as kafkajs's RecordBatch encodes it for a produce request
 * (first offset, length, then the batch), after `lead` bytes left for the caller. Messages without
 * a timestamp get `now`.
 */
export function encodeRecordBatch(messages: readonly ProduceMessage[], producer: BatchProducer, crc32c: Crc32c, now = Date.now(), lead = 0): Buffer {
  const n = messages.length;
  // kafkajs's rule, quirks included: first and max are the ends of the given timestamps sorted as
  // strings; a record's delta is from its timestamp, or `now` when it has none (or a falsy one)
  let first = now;
  let max = now;
  let stamped = false;
  for (let i = 0; i < n && !stamped; i++) stamped = messages[i]!.timestamp != null;
  if (stamped) {
    const given = messages.map((m) => m.timestamp).filter((t) => t != null).sort();
    first = Number(given[0]);
    max = Number(given[given.length - 1]);
  }
  const deltas = new Array<number>(n);
  for (let i = 0; i < n; i++) deltas[i] = (stamped ? Number(messages[i]!.timestamp || now) : now) - first;

  // sizes first: one buffer, no growing
  const keySizes = new Array<number>(n);
  const valueSizes = new Array<number>(n);
  const bodySizes = new Array<number>(n);
  const headerLists = new Array<Header[] | undefined>(n);
  let recordsSize = 0;
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    const ks = byteSize(m.key);
    const vs = byteSize(m.value);
    keySizes[i] = ks;
    valueSizes[i] = vs;
    let body = 1 + varLongSize(deltas[i]!) + varIntSize(i) + fieldSize(ks) + fieldSize(vs);
    const hs = m.headers ? headerList(m.headers) : undefined;
    headerLists[i] = hs;
    body += varIntSize(hs?.length ?? 0);
    if (hs) for (const [k, v] of hs) body += fieldSize(Buffer.byteLength(k, 'utf8')) + fieldSize(byteSize(v));
    bodySizes[i] = body;
    recordsSize += varIntSize(body) + body;
  }

  const total = lead + BODY_AT + BODY_FIXED + recordsSize;
  const buf = Buffer.allocUnsafe(total);
  buf.writeBigInt64BE(0n, lead); // first offset
  buf.writeInt32BE(total - lead - 12, lead + 8);
  buf.writeInt32BE(0, lead + 12); // partition leader epoch
  buf.writeInt8(2, lead + 16); // magic
  let at = lead + BODY_AT;
  at = buf.writeInt16BE(producer.transactional ? TRANSACTIONAL : 0, at);
  at = buf.writeInt32BE(n - 1, at);
  at = buf.writeBigInt64BE(BigInt(first), at);
  at = buf.writeBigInt64BE(BigInt(max), at);
  at = buf.writeBigInt64BE(BigInt(String(producer.producerId)), at);
  at = buf.writeInt16BE(producer.producerEpoch, at);
  at = buf.writeInt32BE(producer.firstSequence, at);
  at = buf.writeInt32BE(n, at);

  const w = new Writer(buf);
  w.offset = at;
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    w.varInt(bodySizes[i]!);
    buf[w.offset++] = 0; // record attributes
    w.varLong(deltas[i]!);
    w.varInt(i);
    w.bytes(m.key, keySizes[i]!);
    w.bytes(m.value, valueSizes[i]!);
    const hs = headerLists[i];
    w.varInt(hs?.length ?? 0);
    if (hs) {
      for (const [k, v] of hs) {
        w.bytes(k, Buffer.byteLength(k, 'utf8'));
        w.bytes(v, byteSize(v));
      }
    }
  }
  buf.writeUInt32BE(crc32c(buf.subarray(lead + BODY_AT)), lead + CRC_AT);
  return buf;
}
