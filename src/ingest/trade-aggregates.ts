// Candles (every interval) and the 24h ticker of every symbol, fed with released trades in
// engine order. Candles close on a later trade or on the engine clock: wall time corrected by the
// offset between wall and engine time seen on the latest event, so a lagging or skewed engine
// clock never closes a candle before its trades are in. Pure.
import { CandleBuilder, candleFromSeconds, INTERVAL_NAMES, type Candle, type Interval } from '../domain/candle.js';
import { RollingTicker, type SecondSummary } from '../domain/rolling-ticker.js';

export interface ClosedCandle {
  symbol: string;
  candle: Candle;
}

interface SymbolAggregates {
  candles: Map<Interval, CandleBuilder>;
  ticker: RollingTicker;
  /** Intervals whose in-progress candle changed since the last coalesced update. */
  dirty: Set<Interval>;
  /** Trades at or below this sequence are already counted (restored from storage after a restart). */
  restoredUpTo: number;
}

export class TradeAggregates {
  private readonly bySymbol = new Map<string, SymbolAggregates>();
  /** wall − engine time on the latest event: engine now ≈ wall now − offset. */
  private clockOffset: number | undefined;
  /** Engine time of the latest restored trade: "now" until the first event sets the clock. */
  private restoredEngineTs: number | undefined;

  constructor(private readonly graceMs = 2000) {}

  private of(symbol: string): SymbolAggregates {
    let a = this.bySymbol.get(symbol);
    if (!a) {
      a = { candles: new Map(INTERVAL_NAMES.map((i) => [i, new CandleBuilder(i)])), ticker: new RollingTicker(), dirty: new Set(), restoredUpTo: -1 };
      this.bySymbol.set(symbol, a);
    }
    return a;
  }

  /** Notes the engine time of any event, to follow the engine clock. */
  observeEngineTime(engineTs: number, wallNow: number): void {
    this.clockOffset = wallNow - engineTs;
  }

  /**
   * The engine's time now. Before the first event (a restarted service waiting for its partitions)
   * it is the latest restored trade's time, never this machine's clock: the engine may run on
   * another clock, and a ticker read at the wrong "now" would evict its restored window for good.
   */
  engineNow(wallNow: number): number {
    if (this.clockOffset !== undefined) return wallNow - this.clockOffset;
    return this.restoredEngineTs ?? wallNow;
  }

  /**
   * Restores a symbol from its stored trades, summarised per second (oldest first, the last 24h
   * at least), up to and including `upToSequence`: the in-progress candle of every interval and
   * the ticker window. Replayed trades at or below that sequence are then not counted again.
   */
  restore(symbol: string, seconds: readonly SecondSummary[], upToSequence: number): void {
    const a = this.of(symbol);
    a.candles = new Map(INTERVAL_NAMES.map((i) => [i, new CandleBuilder(i, candleFromSeconds(i, seconds))]));
    a.ticker = new RollingTicker();
    a.ticker.restore(seconds);
    a.restoredUpTo = upToSequence;
    const last = seconds[seconds.length - 1];
    if (last) this.restoredEngineTs = Math.max(this.restoredEngineTs ?? -Infinity, last.sec * 1000 + 999);
  }

  /** Returns how many intervals refused the trade as late (its bucket had already closed). */
  onTrade(symbol: string, sequence: number, price: number, quantity: number, ts: number, closedOut: ClosedCandle[]): number {
    const a = this.of(symbol);
    if (sequence <= a.restoredUpTo) return 0;
    const closed: Candle[] = [];
    let late = 0;
    for (const [interval, b] of a.candles) {
      if (b.addTrade(price, quantity, ts, closed) === 'late') late++;
      a.dirty.add(interval);
    }
    for (const candle of closed) closedOut.push({ symbol, candle });
    a.ticker.addTrade(price, quantity, ts);
    return late;
  }

  /** Closes by the engine clock the candles of the symbols `canClose` allows (their partition is caught up). */
  closeByClock(wallNow: number, canClose: (symbol: string) => boolean, closedOut: ClosedCandle[]): void {
    if (this.clockOffset === undefined) return;
    const until = this.engineNow(wallNow) - this.graceMs;
    for (const [symbol, a] of this.bySymbol) {
      if (!canClose(symbol)) continue;
      const closed: Candle[] = [];
      for (const b of a.candles.values()) b.closeUntil(until, closed);
      for (const candle of closed) {
        closedOut.push({ symbol, candle });
        a.dirty.add(candle.interval);
      }
    }
  }

  /** In-progress candles that changed since the last call (the coalesced updates). */
  takeDirty(): ClosedCandle[] {
    const out: ClosedCandle[] = [];
    for (const [symbol, a] of this.bySymbol) {
      for (const interval of a.dirty) {
        const c = a.candles.get(interval)!.candle;
        if (c) out.push({ symbol, candle: { ...c } });
      }
      a.dirty.clear();
    }
    return out;
  }

  candle(symbol: string, interval: Interval): Candle | undefined {
    return this.bySymbol.get(symbol)?.candles.get(interval)?.candle;
  }

  ticker(symbol: string): RollingTicker | undefined {
    return this.bySymbol.get(symbol)?.ticker;
  }

  symbols(): string[] {
    return [...this.bySymbol.keys()];
  }
}
