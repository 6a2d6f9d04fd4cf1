// Turns a take of the ingest state into MarketOutput values, once, at the instant of the take:
// every reader (hub, md.* publisher, Redis) gets the same values, and books, checksums and
// tickers are read from the state exactly as published.
import { bookChecksum, CHECKSUM_DEPTH } from '../domain/book-checksum.js';
import { candleView } from '../domain/wire-views.js';
import type { MarketOutput, TradeValue } from '../market/market-output.js';
import type { BatchOutput, MarketState } from './market-state.js';
import { tickerOf } from './state-view.js';

export function buildMarketOutput(out: BatchOutput, state: MarketState, wallNow: number): MarketOutput {
  const trades: TradeValue[] = new Array(out.trades.length);
  for (let i = 0; i < out.trades.length; i++) {
    const t = out.trades[i]!;
    const inst = state.instrument(t.symbol)!;
    trades[i] = {
      symbol: t.symbol,
      trade_id: t.trade.trade_id,
      sequence: t.sequence,
      price: inst.tick.format(inst.tick.toUnits(t.trade.price)),
      quantity: inst.lot.format(inst.lot.toUnits(t.trade.quantity)),
      taker_side: t.trade.taker_side,
      maker_order_id: t.trade.maker_order_id,
      taker_order_id: t.trade.taker_order_id,
      timestamp: t.timestamp,
      engine_send_time_us: t.sendTimeUs,
    };
  }
  const result: MarketOutput = { trades, deltas: [], snapshots: [], candles: [], tickers: [] };
  for (const d of out.deltas.values()) {
    const inst = state.instrument(d.symbol)!;
    result.deltas.push({ ...d, checksum: bookChecksum(state.books.book(d.symbol)!, inst.tick, inst.lot, CHECKSUM_DEPTH) });
  }
  /** The book of `symbol` whole, as it is now, with its checksum. */
  const whole = (symbol: string) => {
    const inst = state.instrument(symbol)!;
    const book = state.books.book(symbol)!;
    const { bids, asks } = book.depth(Infinity);
    return { symbol, timestamp: wallNow, bids, asks, checksum: bookChecksum(book, inst.tick, inst.lot, CHECKSUM_DEPTH) };
  };
  for (const [symbol, s] of out.snapshots) result.snapshots.push({ ...whole(symbol), sequence: s.sequence, reason: s.reason, status: state.status(symbol) ?? 'resyncing' });
  for (const symbol of out.breaks) {
    (result.breaks ??= []).push({ ...whole(symbol), sequence: state.publishedSequence(symbol) ?? state.books.book(symbol)!.sequence, reason: 'resync', status: 'resyncing' });
  }
  for (const { symbol, candle } of out.candles) result.candles.push(candleView(state.instrument(symbol)!, candle));
  // an update of a candle that closed in this same output would follow its close and reopen it for a reader
  const closedHere = new Set(out.candles.map(({ symbol, candle }) => `${symbol}/${candle.interval}/${candle.openTime}`));
  for (const { symbol, candle } of out.candleUpdates) {
    if (!closedHere.has(`${symbol}/${candle.interval}/${candle.openTime}`)) result.candles.push(candleView(state.instrument(symbol)!, candle));
  }
  for (const symbol of out.tickers) {
    const v = tickerOf(state, symbol, wallNow);
    if (v) result.tickers.push(v);
  }
  return result;
}
