import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { SchemaType, type SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { repoPath } from '../paths.js';

/**
 * Confluent wire format: magic byte 0, the schema id as a big-endian int32, then the Avro body.
 * Encoding and decoding here use avsc Types directly (resolved once per schema id), which costs
 * a fraction of the registry client's per-message path.
 */
export class WireFormatError extends Error {
  constructor(
    readonly reason: 'too_short' | 'bad_magic' | 'unknown_schema' | 'bad_avro' | 'wrong_schema',
    message: string,
  ) {
    super(message);
    this.name = 'WireFormatError';
  }
}

export function readSchemaFile(file: string): object {
  return JSON.parse(readFileSync(repoPath('avro', file), 'utf8')) as object;
}

/** A schema registered under `<topic>-value`, ready to encode. */
export class TopicEncoder<T> {
  constructor(
    readonly topic: string,
    readonly schemaId: number,
    readonly type: avro.Type,
  ) {}

  encode(value: T): Buffer {
    const body = this.type.toBuffer(value);
    const out = Buffer.allocUnsafe(5 + body.length);
    out[0] = 0;
    out.writeInt32BE(this.schemaId, 1);
    body.copy(out, 5);
    return out;
  }
}

export async function registerTopicSchema<T>(registry: SchemaRegistry, topic: string, file: string): Promise<TopicEncoder<T>> {
  const schema = readSchemaFile(file);
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: `${topic}-value` });
  return new TopicEncoder<T>(topic, id, avro.Type.forSchema(schema as avro.Schema));
}

/**
 * Decodes Confluent-framed Avro. Writer schemas are fetched from the registry once per id and
 * cached; `expectedName` guards against a message written with another record type.
 */
export class AvroDecoder {
  private readonly types = new Map<number, avro.Type>();
  private readonly pending = new Map<number, Promise<avro.Type>>();

  constructor(private readonly registry: SchemaRegistry) {}

  /** True when decodeSync needs no registry round trip for this message (or it is not framed at all). */
  isPrepared(buf: Buffer | null): boolean {
    return !buf || buf.length < 5 || buf[0] !== 0 || this.types.has(buf.readInt32BE(1));
  }

  /** Resolves the writer schema of a message; the only async step, and only on a cache miss. */
  async prepare(buf: Buffer | null): Promise<void> {
    if (!buf || buf.length < 5 || buf[0] !== 0) return;
    const id = buf.readInt32BE(1);
    if (this.types.has(id)) return;
    let p = this.pending.get(id);
    if (!p) {
      p = this.registry.getSchema(id).then((s) => avro.Type.forSchema(JSON.parse(JSON.stringify(s)) as avro.Schema));
      this.pending.set(id, p);
    }
    try {
      this.types.set(id, await p);
    } catch {
      // unknown id: decodeSync reports it
    } finally {
      this.pending.delete(id);
    }
  }

  /** Decodes a message whose schema was prepared; throws WireFormatError with a reason. */
  decodeSync<T>(buf: Buffer | null, expectedName?: string): T {
    if (!buf || buf.length < 5) throw new WireFormatError('too_short', `message of ${buf?.length ?? 0} bytes is shorter than the 5-byte header`);
    if (buf[0] !== 0) throw new WireFormatError('bad_magic', `magic byte is ${buf[0]}, not 0`);
    const id = buf.readInt32BE(1);
    const type = this.types.get(id);
    if (!type) throw new WireFormatError('unknown_schema', `schema id ${id} is not in the registry`);
    if (expectedName && type.name !== expectedName) {
      throw new WireFormatError('wrong_schema', `schema id ${id} is ${type.name}, expected ${expectedName}`);
    }
    try {
      return type.fromBuffer(buf.subarray(5)) as T;
    } catch (err) {
      throw new WireFormatError('bad_avro', `undecodable Avro body for schema ${id}: ${(err as Error).message}`);
    }
  }

  async decode<T>(buf: Buffer | null, expectedName?: string): Promise<T> {
    await this.prepare(buf);
    return this.decodeSync<T>(buf, expectedName);
  }
}
