import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { AvroDecoder, readSchemaFile, WireFormatError } from '../../src/contract/avro-codec.js';
import { RECORD_NAME } from '../../src/contract/topics.js';

const schemas = new Map<number, object>([
  [1, readSchemaFile('engine.event.v1.avsc')],
  [2, readSchemaFile('md.instrument.v1.avsc')],
]);
// the registry client's getSchema: a schema, or a 404 for an id it never issued
const registry = { getSchema: async (id: number) => schemas.get(id) ?? Promise.reject(Object.assign(new Error('Schema not found'), { status: 404 })) } as unknown as SchemaRegistry;
const eventType = avro.Type.forSchema(schemas.get(1) as avro.Schema);

function framed(id: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeInt32BE(id, 1);
  return Buffer.concat([head, body]);
}

async function reason(decoder: AvroDecoder, buf: Buffer): Promise<string> {
  await decoder.prepare(buf);
  try {
    decoder.decodeSync(buf, RECORD_NAME.events);
  } catch (err) {
    assert.ok(err instanceof WireFormatError, String(err));
    return `${err.reason}: ${err.message}`;
  }
  return 'decoded';
}

test('a framed engine event decodes to the value that was encoded', async () => {
  const decoder = new AvroDecoder(registry);
  for (let i = 0; i < 50; i++) {
    const value = eventType.random();
    const buf = framed(1, eventType.toBuffer(value));
    await decoder.prepare(buf);
    assert.deepEqual(eventType.toBuffer(decoder.decodeSync(buf, RECORD_NAME.events)), eventType.toBuffer(value));
  }
});

test('every kind of malformed message gets its reason, and a cut or padded body is told apart', async () => {
  const decoder = new AvroDecoder(registry);
  const body = eventType.toBuffer(eventType.random());
  assert.match(await reason(decoder, Buffer.from([0, 0, 1])), /^too_short: /);
  assert.match(await reason(decoder, Buffer.concat([Buffer.from([7]), framed(1, body).subarray(1)])), /^bad_magic: magic byte is 7/);
  assert.match(await reason(decoder, framed(900_001, body)), /^unknown_schema: schema id 900001/);
  const instrument = avro.Type.forSchema(schemas.get(2) as avro.Schema);
  assert.match(await reason(decoder, framed(2, instrument.toBuffer(instrument.random()))), /^wrong_schema: schema id 2 is exchange\.md\.v1\.Instrument/);
  for (const cut of [1, Math.floor(body.length / 2), body.length - 1]) {
    assert.equal(await reason(decoder, framed(1, body.subarray(0, cut))), 'bad_avro: undecodable Avro body for schema 1: truncated buffer');
  }
  assert.equal(await reason(decoder, framed(1, Buffer.concat([body, Buffer.from([0])]))), 'bad_avro: undecodable Avro body for schema 1: trailing data');
  // and the decoder goes on decoding good messages after all of them
  assert.equal(await reason(decoder, framed(1, body)), 'decoded');
});
