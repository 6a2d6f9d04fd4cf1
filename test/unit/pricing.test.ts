import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emaNext, formatFixed, fromUnits, fundingRate, indexPrice, nextFundingTime, toFixed, type SourceQuote } from '../../src/domain/pricing.js';
import { combinePricing } from '../../src/pricing/pricing-worker.js';

const q = (source: string, price: string, weight: string, receivedAt = 10_000): SourceQuote => ({ source, price: toFixed(price), weight: toFixed(weight), receivedAt });
const f = (v: bigint | undefined, d = 8) => (v === undefined ? undefined : formatFixed(v, d));

describe('index price', () => {
  it('is the weighted average of fresh sources (hand-computed)', () => {
    // (64000·0.4 + 64010·0.3 + 63990·0.2 + 64020·0.1) / 1.0 = 25600 + 19203 + 12798 + 6402 = 64003
    const r = indexPrice([q('binance', '64000', '0.4'), q('coinbase', '64010', '0.3'), q('kraken', '63990', '0.2'), q('okx', '64020', '0.1')], 10_500, 2000, toFixed('0.05'));
    assert.equal(f(r.price, 2), '64003.00');
    assert.deepEqual(r.used, ['binance', 'coinbase', 'kraken', 'okx']);
  });

  it('excludes a stale source and renormalises the weights', () => {
    // kraken is 3 s old: (64000·0.4 + 64010·0.3 + 64020·0.1) / 0.8 = 51205 / 0.8 = 64006.25
    const r = indexPrice([q('binance', '64000', '0.4'), q('coinbase', '64010', '0.3'), q('kraken', '63990', '0.2', 7_000), q('okx', '64020', '0.1')], 10_000, 2000, toFixed('0.05'));
    assert.equal(f(r.price, 2), '64006.25');
    assert.deepEqual(r.excluded, [{ source: 'kraken', reason: 'stale' }]);
  });

  it('excludes a source far from the median of the others', () => {
    // okx at 70000 is 9.4 % away; the others: (64000·0.4 + 64010·0.3 + 63990·0.2) / 0.9 = 57601/0.9 = 64001.111...
    const r = indexPrice([q('binance', '64000', '0.4'), q('coinbase', '64010', '0.3'), q('kraken', '63990', '0.2'), q('okx', '70000', '0.1')], 10_000, 2000, toFixed('0.05'));
    assert.equal(f(r.price, 4), '64001.1111');
    assert.deepEqual(r.excluded, [{ source: 'okx', reason: 'outlier' }]);
  });

  it('is undefined (stale) when every source is stale or broken', () => {
    const r = indexPrice([q('binance', '64000', '0.5', 0), q('coinbase', '0', '0.5')], 10_000, 2000, toFixed('0.05'));
    assert.equal(r.price, undefined);
    assert.deepEqual(r.excluded.map((e) => e.reason).sort(), ['invalid', 'stale']);
  });
});

describe('mark and funding', () => {
  it('EMA with α = 2/(N+1) (hand-computed, N = 3 → α = 0.5)', () => {
    let e = emaNext(undefined, toFixed('10'), 3);
    assert.equal(f(e, 2), '10.00');
    e = emaNext(e, toFixed('20'), 3); // 10 + 0.5·(20 − 10) = 15
    assert.equal(f(e, 2), '15.00');
    e = emaNext(e, toFixed('-5'), 3); // 15 + 0.5·(−5 − 15) = 5
    assert.equal(f(e, 2), '5.00');
  });

  it('funding = clamp(avg premium rate + interest, ±0.75 %) (hand-computed)', () => {
    // premium rates 0.0002, 0.0004, 0.0003 → avg 0.0003; + 0.0001 = 0.0004
    assert.equal(f(fundingRate([toFixed('0.0002'), toFixed('0.0004'), toFixed('0.0003')], toFixed('0.0001'))), '0.00040000');
    assert.equal(f(fundingRate([toFixed('0.02')], toFixed('0.0001'))), '0.00750000');
    assert.equal(f(fundingRate([toFixed('-0.02')], toFixed('0.0001'))), '-0.00750000');
    assert.equal(f(fundingRate([], toFixed('0.0001'))), '0.00010000');
  });

  it('next funding time is on the UTC grid of the interval', () => {
    const t = Date.UTC(2026, 10, 22, 9, 30, 0);
    assert.equal(nextFundingTime(t, 8), Date.UTC(2026, 10, 22, 16, 0, 0));
    assert.equal(nextFundingTime(Date.UTC(2026, 10, 22, 16, 0, 0), 8), Date.UTC(2026, 10, 23, 0, 0, 0));
  });

  it('formats half-even at the tick and converts units', () => {
    assert.equal(formatFixed(toFixed('1.25'), 1), '1.2');
    assert.equal(formatFixed(toFixed('1.35'), 1), '1.4');
    assert.equal(formatFixed(toFixed('-0.04'), 1), '0.0');
    assert.equal(formatFixed(fromUnits(640005, 1), 1), '64000.5');
  });
});

describe('Pricer (mark and funding per perpetual)', async () => {
  const { Pricer } = await import('../../src/pricing/pricer.js');
  it('mark = index + EMA(mid − index); funding from the averaged premium rate; stale index keeps the last mark', () => {
    const p = new Pricer({ emaSpan: 3, fundingIntervalHours: 8, interestRate: toFixed('0.0001') });
    const t = Date.UTC(2026, 10, 22, 7, 59, 58);
    // premium 10 on index 1000 → ema 10, mark 1010, rate 0.01
    let s = p.step(t, toFixed('1000'), toFixed('1010'));
    assert.equal(f(s.mark, 2), '1010.00');
    assert.equal(f(s.premiumRateAvg), '0.01000000');
    assert.equal(f(s.fundingRate), '0.00750000'); // 0.01 + 0.0001 capped at 0.75 %
    // premium −10 → ema 0 (α = 0.5), mark = index; avg rate (0.01 − 0.01)/2 = 0 → funding 0.0001
    s = p.step(t + 1000, toFixed('1000'), toFixed('990'));
    assert.equal(f(s.mark, 2), '1000.00');
    assert.equal(f(s.fundingRate), '0.00010000');
    assert.equal(s.countdownSeconds, 1);
    // index stale: mark repeats and says so
    s = p.step(t + 1500, undefined, toFixed('5000'));
    assert.equal(f(s.mark, 2), '1000.00');
    assert.equal(s.markStale, true);
    assert.equal(s.indexStale, true);
    // after the funding time the averaging restarts
    s = p.step(t + 3000, toFixed('1000'), toFixed('1002'));
    assert.equal(s.samples, 1);
    assert.equal(s.nextFundingTime, Date.UTC(2026, 10, 22, 16, 0, 0));
  });
});

describe('engine and venue prices read as one', () => {
  it('joins both; an instance without engine pricing and no venue perpetual has none (so it can say pricing is off)', () => {
    const empty = { indices: [], marks: [], funding: [] };
    const mark = (symbol: string) => ({ symbol, index_symbol: `${symbol}-INDEX`, mark_price: '1', index_price: '1', premium_ema: null, stale: false, timestamp: 0 });
    assert.equal(combinePricing(undefined, empty), undefined);
    assert.deepEqual(combinePricing(undefined, { ...empty, marks: [mark('binanceusdm:BTC/USDT:USDT')] })?.marks.map((m) => m.symbol), ['binanceusdm:BTC/USDT:USDT']);
    assert.deepEqual(combinePricing({ ...empty, marks: [mark('BTCUSDT-PERP')] }, { ...empty, marks: [mark('binanceusdm:BTC/USDT:USDT')] })?.marks.map((m) => m.symbol), ['BTCUSDT-PERP', 'binanceusdm:BTC/USDT:USDT']);
  });
});
