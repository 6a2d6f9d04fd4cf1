// Order flow for one symbol: passive limit orders around a randomly walking fair price, cancels,
// and aggressive orders that take liquidity. Deterministic for its Random.
import type { Instrument } from '../domain/instrument.js';
import type { Side } from '../domain/order-book.js';
import { MatchingEngine, type EngineOutput } from './matching-engine.js';
import type { Random } from './random.js';

export interface ModelOptions {
  /** Price levels seeded on each side at start. */
  seedLevels: number;
  /** Resting orders above which cancels become more likely than adds (keeps the book bounded). */
  maxOrders: number;
}

export class MarketModel {
  readonly engine: MatchingEngine;
  private fair: number;
  private orderSeq = 0;

  constructor(
    readonly instrument: Instrument,
    startPrice: string,
    private readonly typicalLots: number,
    private readonly rng: Random,
    private readonly opts: ModelOptions,
  ) {
    this.engine = new MatchingEngine(instrument);
    this.fair = instrument.tick.toUnits(startPrice);
  }

  private orderId(): string {
    return `${this.instrument.symbol}-${++this.orderSeq}`;
  }

  private readonly tradeId = () => this.rng.uuid();

  private lots(scale = 1): number {
    return Math.max(1, Math.round((1 + this.rng.geometric(0.35)) * this.typicalLots * scale * (0.5 + this.rng.next())));
  }

  /** The book's first event: `seedLevels` levels a side around the start price. */
  seed(): EngineOutput[] {
    const levels: { side: Side; price: number; qty: number; id: string }[] = [];
    for (let d = 1; d <= this.opts.seedLevels; d++) {
      levels.push({ side: 'bid', price: this.fair - d, qty: this.lots(), id: this.orderId() });
      levels.push({ side: 'ask', price: this.fair + d, qty: this.lots(), id: this.orderId() });
    }
    return this.engine.seed(levels.filter((l) => l.price > 0));
  }

  /** One market action; returns the engine events it caused (possibly none). */
  step(): EngineOutput[] {
    const r = this.rng;
    if (r.chance(0.3)) this.fair = Math.max(10, this.fair + (r.chance(0.5) ? 1 : -1));
    // Cancels grow with the number of resting orders, so the book settles around maxOrders.
    const cancelShare = 0.4 * Math.min(1.5, this.engine.restingOrders / this.opts.maxOrders);
    const u = r.next();
    if (u < 0.08) {
      const side: Side = r.chance(0.5) ? 'bid' : 'ask';
      return this.engine.market(side, this.lots(2), this.orderId(), this.tradeId);
    }
    if (u < 0.08 + cancelShare) return this.engine.cancelAt(r.uint32());
    const side: Side = r.chance(0.5) ? 'bid' : 'ask';
    const distance = 1 + r.geometric(0.04);
    const price = side === 'bid' ? this.fair - distance : this.fair + distance;
    if (price <= 0) return [];
    return this.engine.limit(side, price, this.lots(), this.orderId(), this.tradeId);
  }
}
