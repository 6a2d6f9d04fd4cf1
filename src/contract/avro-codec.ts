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
    // Without a stack: it always points here, and capturing it was 2.6 % of a core in a flood of
    // bad messages (chaos-bad-input).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'WireFormatError';
  }
}

/** The registry could not be asked (down, unreachable, 5xx): the message is fine, try again later. */
export class RegistryUnavailableError extends Error {
  constructor(
    readonly schemaId: number,
    cause: unknown,
  ) {
    super(`schema registry unavailable fetching schema id ${schemaId}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'RegistryUnavailableError';
  }
}

const UNKNOWN_ID_TTL_MS = 60_000;
const MAX_UNKNOWN_IDS = 10_000;

/** The registry's answer for an id it does not have: HTTP 404 (error code 40403). */
const isNotFound = (err: unknown) => (err as { status?: number }).status === 404 || /\b404\b|40403/.test(String((err as Error)?.message));

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
  const confluent = { type: SchemaType.AVRO, schema: JSON.stringify(schema) } as const;
  const subject = `${topic}-value`;
  let id: number;
  try {
    ({ id } = await registry.register(confluent, { subject }));
  } catch (err) {
    // The library registers, then sets the subject's compatibility in a second request. When that
    // second step did not happen (an attempt that timed out on our side, another process registering
    // the same subject at that moment), every later register refuses: the subject shows the
    // registry's default level. The schema itself is registered: take its id.
    if ((err as Error).name !== 'ConfluentSchemaRegistryCompatibilityError') throw err;
    id = await registry.getRegistryIdBySchema(subject, confluent).catch(() => Promise.reject(err));
  }
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

  /** Ids the registry said it does not have, and when: a flood of them costs one lookup per id a minute. */
  private readonly unknown = new Map<number, number>();

  /** True when decodeSync needs no registry round trip for this message (or it is not framed at all). */
  isPrepared(buf: Buffer | null): boolean {
    if (!buf || buf.length < 5 || buf[0] !== 0) return true;
    const id = buf.readInt32BE(1);
    return this.types.has(id) || this.knownUnknown(id);
  }

  private knownUnknown(id: number): boolean {
    const at = this.unknown.get(id);
    if (at === undefined) return false;
    if (Date.now() - at < UNKNOWN_ID_TTL_MS) return true;
    this.unknown.delete(id);
    return false;
  }

  /** Resolves the writer schema of a message; the only async step, and only on a cache miss. */
  async prepare(buf: Buffer | null): Promise<void> {
    if (!buf || buf.length < 5 || buf[0] !== 0) return;
    const id = buf.readInt32BE(1);
    if (this.types.has(id) || this.knownUnknown(id)) return;
    let p = this.pending.get(id);
    if (!p) {
      p = this.registry.getSchema(id).then((s) => avro.Type.forSchema(JSON.parse(JSON.stringify(s)) as avro.Schema));
      this.pending.set(id, p);
    }
    try {
      this.types.set(id, await p);
    } catch (err) {
      // an id the registry does not know: decodeSync reports it; a registry that does not answer
      // says nothing about the message, which must wait for it rather than be dead-lettered
      if (!isNotFound(err)) throw new RegistryUnavailableError(id, err);
      if (this.unknown.size >= MAX_UNKNOWN_IDS) this.unknown.delete(this.unknown.keys().next().value!);
      this.unknown.set(id, Date.now());
    } finally {
      this.pending.delete(id);
    }
  }

  /**
   * prepare, waiting out a registry that does not answer: `onWait` runs before each new attempt
   * (a consumer heartbeats and counts it there), one second apart.
   */
  async prepareWaiting(buf: Buffer | null, onWait: (err: RegistryUnavailableError, attempt: number) => Promise<void> | void): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.prepare(buf);
      } catch (err) {
        if (!(err instanceof RegistryUnavailableError)) throw err;
        await onWait(err, attempt);
        await new Promise((r) => setTimeout(r, 1000));
      }
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
    // decode() tells a short body by its offset rather than by throwing (fromBuffer's way), which
    // keeps a flood of cut messages from costing an Error and its stack each
    const body = buf.subarray(5);
    let decoded: { value: unknown; offset: number };
    try {
      decoded = type.decode(body, 0);
    } catch (err) {
      throw new WireFormatError('bad_avro', `undecodable Avro body for schema ${id}: ${(err as Error).message}`);
    }
    if (decoded.offset < 0) throw new WireFormatError('bad_avro', `undecodable Avro body for schema ${id}: truncated buffer`);
    if (decoded.offset !== body.length) throw new WireFormatError('bad_avro', `undecodable Avro body for schema ${id}: trailing data`);
    return decoded.value as T;
  }

  /** Decodes one message; a registry that does not answer is waited for (`onWait` as in prepareWaiting). */
  async decode<T>(buf: Buffer | null, expectedName?: string, onWait: (err: RegistryUnavailableError, attempt: number) => Promise<void> | void = () => undefined): Promise<T> {
    await this.prepareWaiting(buf, onWait);
    return this.decodeSync<T>(buf, expectedName);
  }
}
