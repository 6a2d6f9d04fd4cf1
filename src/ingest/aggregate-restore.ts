// After a restart, or when this instance gains partitions another core had, candles in progress and 24h tickers come back from the trades already stored:
// each symbol's last 24 hours (before its latest stored trade) summarised per second. The
// consumer then replays from the committed offsets; replayed trades at or below the restored
// sequence are published and stored again (idempotently) but not counted twice.
import type { SecondSummary } from '../domain/rolling-ticker.js';
import type { Instrument } from '../domain/instrument.js';
import type { SecondPriceLevel, TradeHistory } from '../store/trade-history.js';
import type { MarketState } from './market-state.js';

const DAY_MS = 86_400_000;

/** Folds (second, price) levels, ordered by second then first sequence, into per-second summaries in ticks and lots. */
export function secondsFromLevels(levels: readonly SecondPriceLevel[], inst: Instrument): SecondSummary[] {
  const out: (SecondSummary & { lastSequence: number })[] = [];
  let cur: (typeof out)[number] | undefined;
  for (const l of levels) {
    const price = inst.tick.toUnits(l.price);
    const quantity = inst.lot.toUnits(l.quantity);
    if (!cur || cur.sec !== l.sec) {
      cur = { sec: l.sec, open: price, high: price, low: price, close: price, volume: 0, quoteVolume: 0n, count: 0, lastSequence: -1 };
      out.push(cur);
    }
    if (price > cur.high) cur.high = price;
    if (price < cur.low) cur.low = price;
    if (l.lastSequence > cur.lastSequence) {
      cur.lastSequence = l.lastSequence;
      cur.close = price;
    }
    cur.volume += quantity;
    cur.quoteVolume += BigInt(price) * BigInt(quantity);
    cur.count += l.count;
  }
  return out.map(({ lastSequence: _, ...s }) => s);
}

/** Restores `symbols` (those with stored trades); returns how many were restored. */
export async function restoreAggregates(state: MarketState, history: TradeHistory, symbols: readonly string[]): Promise<number> {
  let restored = 0;
  const wanted = new Set(symbols);
  for (const last of await history.lastTrades()) {
    const inst: Instrument | undefined = state.instrument(last.symbol);
    if (!inst || !wanted.has(last.symbol)) continue;
    const levels = await history.secondPriceLevels(last.symbol, Math.floor(last.ts / 1000) * 1000 - DAY_MS);
    state.aggregates.restore(last.symbol, secondsFromLevels(levels, inst), last.sequence);
    restored++;
  }
  return restored;
}
