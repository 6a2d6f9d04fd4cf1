// The pure parts of the outside venue feeds: exact decimals out of ccxt's numbers, venue books
// turned into this service's snapshot/delta contract, trades and tickers, the breaker, backoff
// and the stream specs the control API accepts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bookChecksum, CHECKSUM_DEPTH } from '../../src/domain/book-checksum.js';
import { crc32 } from '../../src/domain/crc32.js';
import { Increment } from '../../src/domain/decimal.js';
import { makeInstrument, type Instrument } from '../../src/domain/instrument.js';
import { OrderBook } from '../../src/domain/order-book.js';
import { backoffMs } from '../../src/venues/backoff.js';
import { CircuitBreaker } from '../../src/venues/circuit-breaker.js';
import { decimalOf, incrementOf, marketIncrements, productOf, unitsOf, VenueValueError } from '../../src/venues/exact.js';
import { kraken } from '../../src/venues/adapters/kraken.js';
import { okx } from '../../src/venues/adapters/okx.js';
import { VENUES } from '../../src/venues/adapters/index.js';
import { VenueClients } from '../../src/venues/venue-clients.js';
import { parseKnobs, parseStreamList, parseStreamSpec, SpecError } from '../../src/venues/stream-spec.js';
import { VenueBook } from '../../src/venues/venue-book.js';
import { VenueMarket } from '../../src/venues/venue-market.js';
import { MarketHub } from '../../src/api/market-hub.js';
import { venuePricing } from '../../src/venues/venue-pricing.js';
import { EdgeMarket } from '../../src/edge/edge-market.js';
import type { MarketOutput } from '../../src/market/market-output.js';
import {
  bookOfVenueRecord,
  fundingOfVenueRecord,
  instrumentOfVenueRecord,
  tickerOfVenueRecord,
  tradeOfVenueRecord,
  venueDeltaRecord,
  venueFundingRecord,
  venueInstrumentRecord,
  venueSnapshotRecord,
  venueTickerRecord,
  venueTradeRecord,
} from '../../src/contract/venue-wire.js';
import { connectionSequenceVerifier, krakenChecksum, krakenChecksumVerifier } from '../../src/venues/verifiers.js';

const spec = makeInstrument({ symbol: 'BTC-USDT', base: 'BTC', quote: 'USDT', kind: 'spot', status: 'trading', tickSize: '0.01', lotSize: '0.00001' });
const inst: Instrument = { ...spec, symbol: 'binance:BTC/USDT' };

describe('exact decimals from ccxt numbers', () => {
  it('a venue decimal string parsed to a number comes back exactly (up to 15 significant digits)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 999_999_999_999_999n }), fc.integer({ min: 0, max: 18 }), (units, decimals) => {
        const s = units.toString().padStart(decimals + 1, '0');
        const text = decimals ? `${s.slice(0, -decimals)}.${s.slice(-decimals)}` : s;
        const canonical = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
        assert.equal(decimalOf(Number(text)), canonical.replace(/^0+(?=\d)/, ''));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes exponent forms out in full', () => {
    assert.equal(decimalOf(1e-7), '0.0000001');
    assert.equal(decimalOf(1.5e-8), '0.000000015');
    assert.equal(decimalOf(1e21), '1000000000000000000000');
    assert.equal(decimalOf(64000.1), '64000.1');
    assert.throws(() => decimalOf(Number.NaN), VenueValueError);
  });

  it('takes increments from either ccxt precision mode, and refuses values off them', () => {
    assert.equal(incrementOf(0.01, true).size, '0.01');
    assert.equal(incrementOf(0.00001, true).size, '0.00001');
    assert.equal(incrementOf(2, false).size, '0.01');
    assert.equal(incrementOf(0, false).size, '1');
    assert.throws(() => incrementOf(undefined, true), VenueValueError);
    const tick = Increment.parse('0.01');
    assert.equal(unitsOf(64000.12, tick), 6_400_012);
    assert.throws(() => unitsOf(64000.125, tick), VenueValueError);
    assert.throws(() => unitsOf(-1, tick), VenueValueError);
  });

  it('multiplies decimal strings exactly (a product ccxt would turn into a float)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 10 }), fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 8 }), (a, da, b, db) => {
        const text = (u: bigint, d: number) => {
          const s = (u < 0n ? -u : u).toString().padStart(d + 1, '0');
          return `${u < 0n ? '-' : ''}${d ? `${s.slice(0, -d)}.${s.slice(-d)}` : s}`;
        };
        const product = productOf(text(a, da), text(b, db));
        // read back as units at the combined scale: equal to the integer product
        const [int, frac = ''] = product.replace('-', '').split('.');
        const units = BigInt(int! + frac.padEnd(da + db, '0')) * (product.startsWith('-') ? -1n : 1n);
        assert.equal(units, a * b);
        assert.ok(!/\.\d*0$/.test(product) && product !== '-0', product);
      }),
      { numRuns: 2000 },
    );
    assert.equal(productOf('1234.56789012', '108894.5'), '134437653.11067234');
    assert.throws(() => productOf('1e3', '2'), VenueValueError);
  });

  it('kraken: the ticker quote volume is volume × vwap exactly, from the venue\'s own numbers', () => {
    assert.deepEqual(kraken.tickerExact!({ volume: 1234.56789012, vwap: 108894.5 }), { quoteVolume: '134437653.11067234' });
    assert.notEqual(decimalOf(1234.56789012 * 108894.5), '134437653.11067234', 'the float product is not exact');
    assert.deepEqual(kraken.tickerExact!({ volume: 'x' }), {}, 'no exact value from fields that are not numbers: ccxt\'s stays');
  });

  it('a market quoted in significant digits (bitfinex) takes the venue\'s decimals, and is refused without them', () => {
    const ex = { precisionMode: 3, markets: { 'BTC/USDT': { precision: { price: 5, amount: 8 } } } };
    const { tick, lot } = marketIncrements(ex, 'BTC/USDT', { price: 8, amount: 8 });
    assert.deepEqual([tick.size, lot.size], ['0.00000001', '0.00000001']);
    assert.equal(tick.format(unitsOf(64001, tick)), '64001.00000000');
    assert.equal(tick.format(unitsOf(0.00012345, tick)), '0.00012345');
    assert.throws(() => marketIncrements(ex, 'BTC/USDT'), /significant digits/);
    assert.throws(() => marketIncrements(ex, 'ETH/USDT', { price: 8, amount: 8 }), /no market/);
  });
});

describe('a venue book as snapshot and deltas', () => {
  const levels = fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 50_000 })), { selector: (l) => l[0], maxLength: 40 });

  it('deltas applied to the snapshot rebuild every state exactly, each with the checksum of that state', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(levels, levels), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 30 }), (states, depth) => {
        const vb = new VenueBook(inst.symbol, inst, depth);
        const client = new OrderBook();
        let seq = -1;
        for (const [b, a] of states) {
          // ccxt's sides, best first; asks all above bids
          const bids = [...b].sort((x, y) => y[0] - x[0]).map(([p, q]) => [p / 100, q / 100_000]);
          const asks = [...a].sort((x, y) => x[0] - y[0]).map(([p, q]) => [(p + 300) / 100, q / 100_000]);
          const step = vb.update(bids, asks, 1000);
          if (step.snapshot) {
            client.replace(step.snapshot.bids, step.snapshot.asks, step.snapshot.sequence);
            seq = step.snapshot.sequence;
          }
          if (step.delta) {
            assert.equal(step.delta.prevSequence, seq, 'chained');
            for (const [p, q] of step.delta.bids) client.set('bid', p, q);
            for (const [p, q] of step.delta.asks) client.set('ask', p, q);
            seq = step.delta.sequence;
            assert.equal(step.delta.checksum, bookChecksum(client, inst.tick, inst.lot, CHECKSUM_DEPTH));
          }
          const want = { bids: bids.slice(0, depth).map(([p, q]) => [Math.round(p! * 100), Math.round(q! * 100_000)]), asks: asks.slice(0, depth).map(([p, q]) => [Math.round(p! * 100), Math.round(q! * 100_000)]) };
          assert.deepEqual(client.depth(depth), want);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('starts with a snapshot, rebuilds with a resync snapshot after a break, and refuses crossed or off-tick books', () => {
    const vb = new VenueBook(inst.symbol, inst, 10);
    assert.equal(vb.update([[100, 1]], [[100.01, 1]], 1).snapshot?.reason, 'start');
    assert.equal(vb.update([[100, 2]], [[100.01, 1]], 2).delta?.bids.get(10_000), 200_000);
    assert.deepEqual(vb.update([[100, 2]], [[100.01, 1]], 3), {}, 'nothing changed: nothing published');
    vb.breakSync();
    const resync = vb.update([[100, 2]], [[100.01, 1]], 4).snapshot!;
    assert.equal(resync.reason, 'resync');
    assert.equal(resync.sequence, 3, 'seq goes on across a rebuild');
    assert.throws(() => vb.update([[100.02, 1]], [[100.01, 1]], 5), /crossed/);
    assert.throws(() => vb.update([[100.005, 1]], [[100.01, 1]], 5), VenueValueError);
  });

  it('a break is announced once, as the last served levels with status resyncing; none before the first snapshot or after the rebuild', () => {
    const vb = new VenueBook(inst.symbol, inst, 10);
    vb.breakSync();
    assert.equal(vb.announceBreak(1), undefined, 'nothing was served yet');
    vb.update([[100, 1]], [[100.01, 1]], 1);
    vb.update([[100, 2]], [[100.01, 1]], 2);
    vb.breakSync();
    vb.breakSync();
    const told = vb.announceBreak(3)!;
    assert.deepEqual([told.status, told.reason, told.sequence, told.bids], ['resyncing', 'resync', 2, [[10_000, 200_000]]]);
    assert.equal(vb.announceBreak(4), undefined, 'once per break');
    assert.equal(vb.update([[100, 2]], [[100.01, 1]], 5).snapshot?.reason, 'resync');
    vb.breakSync();
    vb.update([[100, 2]], [[100.01, 1]], 5);
    assert.equal(vb.announceBreak(6), undefined, 'rebuilt before anyone asked: nothing to announce');
  });
});

describe('venue trades and tickers', () => {
  it('publishes each trade once, numbered in order, with exact decimals; refuses a malformed one', () => {
    const m = new VenueMarket();
    m.open(inst.symbol, inst);
    const t = (id: number, price = 64000.1) => ({ id: String(id), timestamp: 1000 + id, price, amount: 0.00123, side: 'buy' });
    const first = m.onTrades(inst.symbol, [t(1), t(2)], 5000)!.trades;
    assert.deepEqual(first.map((x) => [x.trade_id, x.sequence, x.price, x.quantity]), [['1', 1, '64000.10', '0.00123'], ['2', 2, '64000.10', '0.00123']]);
    assert.deepEqual(m.onTrades(inst.symbol, [t(2), t(3)], 5001)!.trades.map((x) => [x.trade_id, x.sequence]), [['3', 3]], 'a trade seen before is skipped');
    assert.throws(() => m.onTrades(inst.symbol, [t(4, 64000.123)], 5002), VenueValueError);
    assert.throws(() => m.onTrades(inst.symbol, [{ id: '5', price: 1, amount: 1 }], 5002), VenueValueError);
    const ticker = m.onTicker(inst.symbol, { timestamp: 7, last: 64000.1, bid: 64000, ask: 64000.2, baseVolume: 12.5, quoteVolume: 1e-7, percentage: -0.5 }, 9)!.tickers[0]!;
    assert.equal(ticker.last, '64000.10');
    assert.equal(ticker.best_ask, '64000.20');
    assert.equal(ticker.quote_volume, '0.0000001');
    assert.equal(ticker.price_change_percent, '-0.5');
    assert.equal(m.liveQuote(inst.symbol, 1000, 500), '64000.10', 'the index takes the last price while fresh');
    assert.equal(m.liveQuote(inst.symbol, 1000, 20_000), undefined, 'not when old');
    assert.equal(m.close(inst.symbol, 'ticker'), true, 'the last stream of a symbol frees it');
    assert.equal(m.instrument(inst.symbol), undefined);
    m.open(inst.symbol, inst);
    m.onBook(inst.symbol, 10, [[64000, 1]], [[64000.01, 1]], 1, 100);
    assert.equal(m.liveQuote(inst.symbol, 1000, 200), '64000.005', 'else the mid of the book, half a tick written out');
    m.onBook(inst.symbol, 10, [[64000, 1]], [[64000.02, 1]], 1, 100);
    assert.equal(m.liveQuote(inst.symbol, 1000, 200), '64000.01');
    assert.equal(m.close(inst.symbol, 'book'), true);
    assert.equal(m.instrument(inst.symbol), undefined);
  });
});

describe('venue subscriptions shared by streams', () => {
  it('a subscription two kinds ride on (bybit: ticker and funding on tickers.<id>) ends only with the last of them; other kinds end with their stream', () => {
    const clients = new VenueClients(undefined);
    const bybit = VENUES.bybit!;
    clients.hold(bybit, 'BTC/USDT:USDT', 'ticker');
    clients.hold(bybit, 'BTC/USDT:USDT', 'funding');
    clients.hold(bybit, 'BTC/USDT:USDT', 'book');
    assert.equal(clients.letGo(bybit, 'BTC/USDT:USDT', 'ticker'), false, 'the funding stream still reads the tickers topic');
    assert.equal(clients.letGo(bybit, 'BTC/USDT:USDT', 'book'), true);
    assert.equal(clients.letGo(bybit, 'BTC/USDT:USDT', 'funding'), true);
    const binance = VENUES.binance!;
    clients.hold(binance, 'BTC/USDT', 'ticker');
    clients.hold(binance, 'BTC/USDT', 'trades');
    assert.equal(clients.letGo(binance, 'BTC/USDT', 'ticker'), true, 'kinds of their own end with their stream');
  });
});

describe('resilience', () => {
  it('backoff doubles up to its ceiling, each wait in [½, 1] of it', () => {
    assert.equal(backoffMs(0, 250, 30_000, () => 0), 125);
    assert.equal(backoffMs(0, 250, 30_000, () => 0.999999), 250);
    assert.equal(backoffMs(3, 250, 30_000, () => 0.999999), 2000);
    assert.equal(backoffMs(50, 250, 30_000, () => 0.999999), 30_000);
  });

  it('the breaker opens after 5 failures in 60 s, lets one probe through after its wait, and closes on success', () => {
    const b = new CircuitBreaker(5, 60_000, 30_000);
    for (let i = 0; i < 4; i++) b.failure(i * 1000);
    assert.equal(b.state, 'closed');
    b.failure(70_000); // the first ones are older than 60 s by now
    assert.equal(b.state, 'closed');
    b.success(); // a good message between failures does not wipe them out (a flapping venue)
    for (let i = 0; i < 4; i++) b.failure(71_000 + i);
    assert.equal(b.state, 'open');
    assert.equal(b.allow(80_000), false);
    assert.equal(b.waitMs(80_000), 21_003);
    assert.equal(b.allow(101_003), true, 'the probe');
    assert.equal(b.allow(101_004), false, 'only one probe');
    b.failure(101_005);
    assert.equal(b.state, 'open', 'a failed probe opens it again');
    assert.equal(b.allow(131_005), true);
    b.success();
    assert.equal(b.state, 'closed');
    assert.equal(b.opened, 2);
  });
});

describe('stream specs', () => {
  it('accepts what the control API documents and names what is wrong otherwise', () => {
    assert.deepEqual(parseStreamSpec({ venue: 'binance', symbol: 'BTC/USDT', kind: 'book', depth: 50 }), { id: 'binance.BTC-USDT.book', venue: 'binance', symbol: 'BTC/USDT', kind: 'book', depth: 50, persist: false, publish: false });
    assert.equal(parseStreamSpec({ venue: 'okx', symbol: 'BTC/USDT:USDT', kind: 'trades' }).id, 'okx.BTC-USDT-USDT.trades');
    for (const [body, why] of [
      [{ venue: 'nowhere', symbol: 'BTC/USDT', kind: 'book' }, /venue must be one of/],
      [{ venue: 'binance', symbol: 'btcusdt', kind: 'book' }, /unified symbol/],
      [{ venue: 'binance', symbol: 'BTC/USDT', kind: 'book', depth: 1001 }, /depth/],
      [{ venue: 'bitfinex', symbol: 'BTC/USDT', kind: 'book', depth: 250 }, /from 1 to 100 \(bitfinex streams no deeper\)/],
      [{ venue: 'binance', symbol: 'BTC/USDT', kind: 'trades', depth: 5 }, /book streams only/],
      [{ venue: 'binance', symbol: 'BTC/USDT', kind: 'book', extra: 1 }, /unknown field/],
      [[1], /JSON object/],
    ] as const) assert.throws(() => parseStreamSpec(body), (e: Error) => e instanceof SpecError && why.test(e.message));
    assert.deepEqual(parseKnobs({ depth: 5, publish: true }, { venue: 'binance', kind: 'book' }), { depth: 5, publish: true });
    assert.throws(() => parseKnobs({ symbol: 'ETH/USDT' }, { venue: 'binance', kind: 'book' }), /cannot be changed/);
    assert.throws(() => parseKnobs({ depth: 500 }, { venue: 'bitfinex', kind: 'book' }), /bitfinex streams no deeper/);
    assert.equal(parseStreamSpec({ venue: 'bitfinex', symbol: 'BTC/USDT', kind: 'book' }).depth, 100, 'the default depth within the venue\'s');
    assert.deepEqual(parseStreamList('binance:BTC/USDT@book:20, okx:ETH/USDT@trades').map((s) => s.id), ['binance.BTC-USDT.book', 'okx.ETH-USDT.trades']);
    assert.throws(() => parseStreamList('binance:BTC/USDT'), /venue:SYMBOL@kind/);
  });
});

describe('venue book checks ccxt leaves out', () => {
  const tick = Increment.parse('0.1');
  const lot = Increment.parse('0.001');
  const msg = (type: 'snapshot' | 'update', bids: [number, number][], asks: [number, number][], checksum: number) => ({
    channel: 'book', type, data: [{ symbol: 'BTC/USDT', bids: bids.map(([price, qty]) => ({ price, qty })), asks: asks.map(([price, qty]) => ({ price, qty })), checksum }],
  });

  it("kraken: the CRC-32 of the top 10 asks then bids, each level's price and qty in whole ticks and lots", () => {
    // "100.5" with tick 0.1 is 1005, "0.250" with lot 0.001 is 250: no point, no leading zeros
    assert.equal(krakenChecksum([[1000, 2000]], [[1005, 250], [1006, 1]]), crc32('10052501006110002000'));
    const many = Array.from({ length: 12 }, (_, i): [number, number] => [2000 + i, 1]);
    assert.equal(krakenChecksum([], many), crc32(many.slice(0, 10).map(([p, q]) => `${p}${q}`).join('')), 'ten levels a side');
  });

  it('kraken: follows snapshot and updates, refuses a spoiled checksum, and then everything until the next snapshot', () => {
    const v = krakenChecksumVerifier((s) => (s === 'BTC/USDT' ? { tick, lot } : undefined));
    const sum = (bids: [number, number][], asks: [number, number][]) => krakenChecksum(bids, asks);
    assert.equal(v.check(msg('snapshot', [[100, 1]], [[100.5, 0.25]], sum([[1000, 1000]], [[1005, 250]]))), undefined);
    assert.equal(v.check(msg('update', [[99.9, 2]], [], sum([[1000, 1000], [999, 2000]], [[1005, 250]]))), undefined);
    assert.equal(v.check(msg('update', [[100, 0]], [], sum([[999, 2000]], [[1005, 250]]))), undefined, 'a qty of 0 removes the level');
    assert.match(v.check(msg('update', [[99.8, 1]], [], 12345))!.problem, /checksum 12345 expected/);
    assert.match(v.check(msg('update', [], [], sum([[999, 2000], [998, 1000]], [[1005, 250]])))!.problem, /before a snapshot/);
    assert.equal(v.check(msg('snapshot', [[99, 1]], [], sum([[990, 1000]], []))), undefined, 'a snapshot starts over');
    assert.match(v.check(msg('update', [[98.95, 1]], [], 0))!.problem, /98\.95/, 'a price off the tick breaks the book');
    assert.equal(v.check({ channel: 'book', type: 'update', data: [{ symbol: 'ETH/USDT', bids: [], asks: [], checksum: 1 }] }), undefined, 'a market ccxt does not list is left to ccxt');
  });

  it("coinbase: the connection's sequence_num counts every message; a skip, a repeat or a step back fails every book until a new socket", () => {
    const seq = (n: number) => ({ channel: 'l2_data', sequence_num: n });
    for (const bad of [3, 2, 1]) {
      const v = connectionSequenceVerifier((m) => (m as { sequence_num?: number }).sequence_num);
      for (const n of [0, 1, 2]) assert.equal(v.check(seq(n)), undefined);
      assert.equal(v.check({ type: 'error' }), undefined, 'a message without a number is not counted');
      const failed = v.check(seq(bad === 3 ? 4 : bad));
      assert.ok(failed && failed.marketId === undefined, `${bad}: every book of the connection`);
      assert.match(v.check(seq(5))!.problem, /before a new connection/);
      assert.equal(v.check(seq(0)), undefined, 'a new socket starts at 0');
      assert.equal(v.check(seq(1)), undefined);
    }
  });
});

describe('a book subscription before the book exists', () => {
  it('waits for the book (a venue stream still connecting) and is served its snapshot with the first output that has one; a subscriber gone meanwhile is dropped', () => {
    const market = new VenueMarket();
    const hub = new MarketHub(market, { publish: () => undefined, wanted: () => true });
    market.open(inst.symbol, inst);
    const served: string[][] = [];
    let alive = true;
    hub.requestBook(inst.symbol, 1, undefined, (msgs) => served.push(msgs), () => true);
    hub.requestBook(inst.symbol, 1, undefined, () => assert.fail('a subscriber gone is not served'), () => alive);
    hub.onOutput({ trades: [], deltas: [], snapshots: [], candles: [], tickers: [] });
    assert.equal(served.length, 0, 'no book yet: nothing to serve');
    alive = false;
    const out = market.onBook(inst.symbol, 10, [[64000, 0.5]], [[64000.5, 0.25]], 1000)!;
    hub.onOutput(out);
    assert.equal(served.length, 1, 'served once the book exists');
    const snap = JSON.parse(served[0]![0]!) as { type: string; action: string; bids: string[][]; asks: string[][] };
    assert.deepEqual([snap.type, snap.action, snap.bids, snap.asks], ['book', 'snapshot', [['64000.00', '0.50000']], [['64000.50', '0.25000']]]);
    hub.onOutput(market.onBook(inst.symbol, 10, [[64000, 0.6]], [[64000.5, 0.25]], 1001)!);
    assert.equal(served.length, 1, 'served once');
  });
});

describe('venue perpetuals: mark, index, funding and liquidations', () => {
  it('keeps the venue decimals, refuses values that are not decimals, and is dropped with its stream', () => {
    const market = new VenueMarket();
    const perp: Instrument = { ...spec, symbol: 'binanceusdm:BTC/USDT:USDT', kind: 'perpetual', perpetual: { indexSymbol: 'binanceusdm:BTC/USDT:USDT-INDEX', fundingIntervalHours: 8, interestRate: '0.0001' } };
    market.open(perp.symbol, perp);
    const seen: unknown[] = [];
    market.onPricing((o) => seen.push(o));
    const f = { markPrice: '64000.12345678', indexPrice: '63999.5', fundingRate: '-0.00012', nextFundingTime: 1_700_006_400_000, timestamp: 1_700_000_000_000 };
    market.onFunding(perp.symbol, f, 1_700_000_000_500);
    const p = market.pricing();
    assert.deepEqual([p.marks[0]!.mark_price, p.indices[0]!.price, p.funding[0]!.funding_rate, p.funding[0]!.countdown_seconds], ['64000.12345678', '63999.5', '-0.00012', 6400]);
    assert.equal(seen.length, 1);
    assert.throws(() => market.onFunding(perp.symbol, { ...f, markPrice: 6.4e4 as unknown as string }, 0), VenueValueError);
    assert.throws(() => market.onFunding(perp.symbol, { ...f, indexPrice: '-1' }, 0), VenueValueError);
    assert.throws(() => market.onFunding(perp.symbol, { ...f, nextFundingTime: Number.NaN }, 0), VenueValueError);
    market.close(perp.symbol, 'funding');
    assert.deepEqual(market.pricing(), { indices: [], marks: [], funding: [] });
  });

  it('okx: funding combines the funding-rate, mark-price and index-tickers channels; served once all three spoke; a channel failing fails the watch', async () => {
    // a fake ccxt instance: each channel's watch waits until the test pushes that channel's next message
    type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
    const pending = new Map<string, Pending>();
    const watchers = new Map<string, number>();
    const wait = (channel: string) => {
      watchers.set(channel, (watchers.get(channel) ?? 0) + 1);
      return new Promise((resolve, reject) => pending.set(channel, { resolve, reject }));
    };
    const ex = {
      watchFundingRate: (s: string) => (assert.equal(s, 'BTC/USDT:USDT'), wait('rate')),
      watchMarkPrice: (s: string) => (assert.equal(s, 'BTC/USDT:USDT'), wait('mark')),
      watchTicker: (s: string, p: { channel: string }) => (assert.deepEqual([s, p.channel], ['BTC/USDT', 'index-tickers']), wait('index')),
    } as unknown as Parameters<NonNullable<typeof okx.funding>['watch']>[0];
    const push = async (channel: string, info: unknown) => {
      await new Promise((r) => setImmediate(r));
      pending.get(channel)!.resolve({ info });
    };
    const tick = () => new Promise((r) => setImmediate(r));
    let got: unknown;
    const first = okx.funding!.watch(ex, 'BTC/USDT:USDT').then((f) => (got = f));
    await push('mark', { markPx: '64000.1', ts: '1000' });
    await push('index', { idxPx: '63990.5', ts: '1001' });
    await tick();
    assert.equal(got, undefined, 'not served before the funding rate has spoken');
    await push('rate', { fundingRate: '0.0001', fundingTime: '1700006400000', ts: '999' });
    await first;
    assert.deepEqual(got, { markPrice: '64000.1', indexPrice: '63990.5', fundingRate: '0.0001', nextFundingTime: 1_700_006_400_000, timestamp: 1001 });
    // the next mark alone is an update (the rate and index as last spoken)
    const second = okx.funding!.watch(ex, 'BTC/USDT:USDT');
    await push('mark', { markPx: '64000.2', ts: '2000' });
    assert.deepEqual(await second, { markPrice: '64000.2', indexPrice: '63990.5', fundingRate: '0.0001', nextFundingTime: 1_700_006_400_000, timestamp: 2000 });
    assert.equal(watchers.get('rate'), 2, 'one watch of the quiet channel at a time, however often the stream asks');
    const third = okx.funding!.watch(ex, 'BTC/USDT:USDT');
    await tick();
    pending.get('index')!.reject(new Error('connection closed'));
    await assert.rejects(third, /connection closed/);
    const fourth = okx.funding!.watch(ex, 'BTC/USDT:USDT');
    await push('index', { idxPx: '63991', ts: '3000' });
    assert.equal((await fourth).indexPrice, '63991', 'the failed channel is watched again');
  });

  it('liquidations: price and quantity exact on the tick and lot, the average fill as the venue wrote it, numbered; off-tick or not decimals refused', () => {
    const market = new VenueMarket();
    const perp: Instrument = { ...spec, symbol: 'binanceusdm:BTC/USDT:USDT', kind: 'perpetual', perpetual: { indexSymbol: 'binanceusdm:BTC/USDT:USDT-INDEX', fundingIntervalHours: 8, interestRate: '0.0001' } };
    market.open(perp.symbol, perp);
    const l = { side: 'sell' as const, price: '64000.1', avgPrice: '64000.125', quantity: '0.5', timestamp: 1_700_000_000_000 };
    const out = market.onLiquidations(perp.symbol, [l, { ...l, side: 'buy' }], 1_700_000_000_500)!;
    assert.deepEqual(out.liquidations, [{
      symbol: perp.symbol,
      sentUs: 1_700_000_000_500_000,
      data: [
        { side: 'sell', price: perp.tick.format(perp.tick.toUnits('64000.1')), avg_price: '64000.125', qty: perp.lot.format(perp.lot.toUnits('0.5')), ts: 1_700_000_000_000, seq: 1 },
        { side: 'buy', price: perp.tick.format(perp.tick.toUnits('64000.1')), avg_price: '64000.125', qty: perp.lot.format(perp.lot.toUnits('0.5')), ts: 1_700_000_000_000, seq: 2 },
      ],
    }]);
    for (const bad of [{ price: '64000.123456789' }, { quantity: '-1' }, { avgPrice: 'NaN' }, { side: 'long' }, { price: 64000 as unknown as string }]) {
      assert.throws(() => market.onLiquidations(perp.symbol, [{ ...l, ...bad } as typeof l], 0), VenueValueError, JSON.stringify(bad));
    }
    market.open('binance:BTC/USDT', { ...spec, symbol: 'binance:BTC/USDT' });
    assert.equal(market.onLiquidations('binance:BTC/USDT', [l], 0), undefined, 'a spot symbol has none');
  });
});

describe('md.venue.* read back by an edge', () => {
  const perp: Instrument = { ...spec, symbol: 'bybit:BTC/USDT:USDT', kind: 'perpetual', perpetual: { indexSymbol: 'bybit:BTC/USDT:USDT-INDEX', fundingIntervalHours: 8, interestRate: '0.0001' } };
  /** A venue market and an edge market fed what the venue market publishes, record by record. */
  function pair() {
    const market = new VenueMarket();
    market.open(perp.symbol, perp);
    market.setDepth(perp.symbol, 10);
    const edge = new EdgeMarket({ problem: (s, cause, detail) => assert.fail(`${s}: ${cause} ${detail}`), synced: () => undefined }, 60_000, { instrumentOf: instrumentOfVenueRecord, tradesBySequence: false });
    edge.onInstrument(venueInstrumentRecord(perp, 1));
    const served: MarketOutput[] = [];
    const feed = (out: MarketOutput | undefined) => {
      if (!out) return;
      for (const s of out.snapshots) {
        const b = bookOfVenueRecord(venueSnapshotRecord(perp, s, 5));
        assert.ok('snapshot' in b);
        const o = edge.onSnapshot(b.snapshot);
        if (o) served.push(o);
      }
      for (const d of out.deltas) {
        const b = bookOfVenueRecord(venueDeltaRecord(perp, d));
        assert.ok('delta' in b);
        const o = edge.onDelta(b.delta);
        if (o) served.push(o);
      }
      for (const t of out.trades) served.push(edge.onTrade(tradeOfVenueRecord(venueTradeRecord(t)))!);
      for (const t of out.tickers) edge.onTicker(tickerOfVenueRecord(venueTickerRecord(t, 9)));
    };
    return { market, edge, served, feed };
  }

  it('an edge rebuilds every venue book from the records: the same levels, seq and status after every update', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 })), { minLength: 3, maxLength: 20 }), (steps) => {
        const { market, edge, feed } = pair();
        for (const [i, [nb, na]] of steps.entries()) {
          const bids = Array.from({ length: nb }, (_, k) => [Number((640 - k * 0.01 - i * 0.01).toFixed(2)), Number((0.001 * (k + 1)).toFixed(5))]);
          const asks = Array.from({ length: na }, (_, k) => [Number((640.5 + k * 0.01).toFixed(2)), Number((0.002 * (k + 1)).toFixed(5))]);
          feed(market.onBook(perp.symbol, 10, bids, asks, 1000 + i, 1000 + i));
          const mine = market.book(perp.symbol)!;
          const theirs = edge.book(perp.symbol)!;
          assert.equal(theirs.sequence, mine.sequence, 'the same seq');
          assert.deepEqual(theirs.depth(10), mine.depth(10), 'the same book');
          assert.equal(edge.status(perp.symbol), 'in_sync');
        }
      }),
      { numRuns: 50 },
    );
  });

  it('trades, the 24h ticker, mark, index and funding read back equal what the venue market served', () => {
    const { market, edge, served, feed } = pair();
    feed(market.onTrades(perp.symbol, [{ id: '7', timestamp: 2000, price: 640.12, amount: 0.5, side: 'buy' }], 2001));
    const trade = served.at(-1)!.trades[0]!;
    assert.deepEqual([trade.trade_id, trade.price, trade.quantity, trade.taker_side], ['7', '640.12', '0.50000', 'buy']);
    feed(market.onTicker(perp.symbol, { last: 640.12, open: 600, high: 650, low: 590, change: 40.12, percentage: 6.68, baseVolume: 12.5, quoteVolume: 8000.25, bid: 640.1, bidVolume: 1, ask: 640.2, askVolume: 2, timestamp: 3000 }, 3001));
    assert.deepEqual(edge.ticker(perp.symbol, 4000), market.ticker(perp.symbol), 'the same 24h ticker');
    const f = { markPrice: '640.15', indexPrice: '640.1', fundingRate: '0.0001', nextFundingTime: 28_800_000, timestamp: 3000 };
    market.onFunding(perp.symbol, f, 3500);
    const record = venueFundingRecord(market.pricing().marks[0]!, market.pricing().funding[0]!, 3500)!;
    assert.deepEqual(venuePricing(perp.symbol, perp.perpetual!, fundingOfVenueRecord(record), record.receive_time), market.pricing(), 'the same mark, index and funding');
  });
});
