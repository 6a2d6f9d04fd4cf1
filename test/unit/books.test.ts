import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Books } from '../../src/domain/books.js';
import { makeInstrument } from '../../src/domain/instrument.js';

function books() {
  const b = new Books();
  b.upsertInstrument(
    makeInstrument({ symbol: 'BTCUSDT-PERP', base: 'BTC', quote: 'USDT', kind: 'perpetual', status: 'trading', tickSize: '0.5', lotSize: '0.001', perpetual: { indexSymbol: 'BTCUSDT-INDEX', fundingIntervalHours: 8, interestRate: '0.0001' } }),
  );
  b.applyDelta('BTCUSDT-PERP', [{ price: '64000.0', quantity: '1.000' }], [{ price: '64000.5', quantity: '2.5' }], 1);
  return b;
}

describe('Books (validated delta and snapshot application)', () => {
  it('applies wire deltas and reads them back as canonical decimals', () => {
    const b = books();
    b.applyDelta('BTCUSDT-PERP', [{ price: '63999.5', quantity: '0.25' }], [{ price: '64000.5', quantity: '0' }], 2);
    assert.deepEqual(b.wireDepth('BTCUSDT-PERP', 10), {
      bids: [
        ['64000.0', '1.000'],
        ['63999.5', '0.250'],
      ],
      asks: [],
      sequence: 2,
    });
  });

  const rejected: [string, string, string, string][] = [
    ['unknown symbol', 'ETHUSDT', '1.0', 'unknown_symbol'],
    ['negative quantity', 'BTCUSDT-PERP', '-1.000', 'quantity_negative'],
    ['price off the tick', 'BTCUSDT-PERP', '1.000', 'price_off_increment'],
    ['quantity off the lot', 'BTCUSDT-PERP', '0.0005', 'quantity_off_increment'],
    ['malformed quantity', 'BTCUSDT-PERP', '1e3', 'quantity_malformed'],
  ];
  for (const [what, symbol, qty, reason] of rejected) {
    it(`rejects a delta with ${what} (${reason}) and changes nothing`, () => {
      const b = books();
      const before = JSON.stringify(b.wireDepth('BTCUSDT-PERP', 100));
      // a valid level first, then the bad one: the valid one must not be applied either
      const price = what === 'price off the tick' ? '63999.7' : '63999.0';
      const err = b.applyDelta(symbol, [{ price: '63990.0', quantity: '5' }, { price, quantity: qty }], [], 9);
      assert.equal(err?.reason, reason);
      assert.equal(JSON.stringify(b.wireDepth('BTCUSDT-PERP', 100)), before);
    });
  }

  it('rejects a zero price', () => {
    assert.equal(books().applyDelta('BTCUSDT-PERP', [{ price: '0', quantity: '1' }], [], 2)?.reason, 'zero_price');
  });

  it('replaces a book from a snapshot, and refuses a bad snapshot without touching the book', () => {
    const b = books();
    assert.equal(b.applySnapshot('BTCUSDT-PERP', [{ price: '100.0', quantity: '1' }], [{ price: '101.0', quantity: '2' }], 50), undefined);
    assert.deepEqual(b.wireDepth('BTCUSDT-PERP', 5), { bids: [['100.0', '1.000']], asks: [['101.0', '2.000']], sequence: 50 });
    assert.equal(b.applySnapshot('BTCUSDT-PERP', [{ price: '100.2', quantity: '1' }], [], 51)?.reason, 'price_off_increment');
    assert.equal(b.wireDepth('BTCUSDT-PERP', 5)!.sequence, 50);
  });

  it('clears a book when the instrument changes its tick size', () => {
    const b = books();
    b.upsertInstrument(makeInstrument({ symbol: 'BTCUSDT-PERP', base: 'BTC', quote: 'USDT', kind: 'spot', status: 'trading', tickSize: '0.1', lotSize: '0.001' }));
    assert.deepEqual(b.wireDepth('BTCUSDT-PERP', 5)!.bids, []);
  });
});
