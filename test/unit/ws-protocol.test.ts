import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientFrame, ProtocolError } from '../../src/api/ws-protocol.js';

const code = (text: string) => {
  try {
    parseClientFrame(text);
  } catch (err) {
    return (err as ProtocolError).code;
  }
  return 'ok';
};

describe('WebSocket client frames', () => {
  it('parses the four ops with their options', () => {
    assert.deepEqual(parseClientFrame('{"op":"subscribe","channel":"book","symbol":"BTCUSDT-PERP","prec":0.5,"seq":12,"id":7}'), {
      op: 'subscribe', channel: 'book', symbol: 'BTCUSDT-PERP', prec: '0.5', seq: 12, id: 7,
    });
    assert.deepEqual(parseClientFrame('{"op":"unsubscribe","channel":"kline:1m","symbol":"X"}'), { op: 'unsubscribe', channel: 'kline:1m', symbol: 'X', id: undefined });
    assert.deepEqual(parseClientFrame('{"op":"config","prec":"1.0","max_msgs_per_sec":10}'), { op: 'config', prec: '1.0', maxMsgsPerSec: 10, id: undefined });
    assert.deepEqual(parseClientFrame('{"op":"ping","id":"a"}'), { op: 'ping', id: 'a' });
  });

  it('refuses bad frames with a stable code each', () => {
    assert.equal(code('{nope'), 'bad_json');
    assert.equal(code('[1,2]'), 'bad_request');
    assert.equal(code('{"op":"dance"}'), 'bad_op');
    assert.equal(code('{"op":"subscribe","channel":"kline:2m","symbol":"X"}'), 'unknown_channel');
    assert.equal(code('{"op":"subscribe","channel":"book"}'), 'bad_request');
    assert.equal(code('{"op":"subscribe","channel":"book","symbol":"X","seq":-1}'), 'bad_request');
    assert.equal(code('{"op":"subscribe","channel":"book","symbol":"X","prec":"0"}'), 'bad_prec');
    assert.equal(code('{"op":"subscribe","channel":"book","symbol":"X","prec":"1e-3"}'), 'bad_prec');
    assert.equal(code('{"op":"config"}'), 'bad_request');
    assert.equal(code('{"op":"config","max_msgs_per_sec":0}'), 'bad_request');
    assert.equal(code(`{"op":"ping","id":"${'x'.repeat(65)}"}`), 'bad_request');
  });

  it('echoes the request id in errors', () => {
    assert.throws(() => parseClientFrame('{"op":"subscribe","channel":"nope","symbol":"X","id":42}'), (e: ProtocolError) => e.id === 42);
  });
});
