// A price-time-priority matching engine for one symbol: the simulator's source of truth.
// Orders rest in FIFO queues per price; a taker fills against the best levels oldest-first,
// each fill is a trade at the maker's price, and one book delta then reports every level the
// action changed. Every emitted event takes the next sequence number.
import type { WireBookDelta, WireTrade } from '../contract/engine-wire.js';
import { levelRecords, type Instrument } from '../domain/instrument.js';
import { OrderBook, type Side } from '../domain/order-book.js';

export type EngineOutput =
  | { kind: 'TRADE'; sequence: number; trade: WireTrade }
  | { kind: 'BOOK_DELTA'; sequence: number; delta: WireBookDelta };

interface RestingOrder {
  id: string;
  side: Side;
  price: number;
  qty: number;
  /** Position in MatchingEngine.live, for O(1) random cancels. */
  slot: number;
}

export class MatchingEngine {
  /** L2 totals of the resting orders: what the market-data service must reproduce. */
  readonly book = new OrderBook();
  sequence = 0;
  private readonly queues = { bid: new Map<number, RestingOrder[]>(), ask: new Map<number, RestingOrder[]>() };
  private readonly live: RestingOrder[] = [];
  private changed = { bid: new Map<number, number>(), ask: new Map<number, number>() };
  private out: EngineOutput[] = [];

  constructor(readonly instrument: Instrument) {}

  get restingOrders(): number {
    return this.live.length;
  }

  /** A limit order: fills against the opposite side while it crosses, rests the remainder. */
  limit(side: Side, price: number, qty: number, orderId: string, newTradeId: () => string): EngineOutput[] {
    const remaining = this.take(side, qty, price, orderId, newTradeId);
    if (remaining > 0) this.rest(side, price, remaining, orderId);
    return this.flush();
  }

  /** A market order: fills against the best levels until filled or the side is empty; never rests. */
  market(side: Side, qty: number, orderId: string, newTradeId: () => string): EngineOutput[] {
    this.take(side, qty, undefined, orderId, newTradeId);
    return this.flush();
  }

  /** Cancels the resting order in slot `index % restingOrders`. */
  cancelAt(index: number): EngineOutput[] {
    if (this.live.length === 0) return [];
    const order = this.live[index % this.live.length]!;
    const queue = this.queues[order.side].get(order.price)!;
    queue.splice(queue.indexOf(order), 1);
    if (queue.length === 0) this.queues[order.side].delete(order.price);
    this.unlive(order);
    this.setLevel(order.side, order.price, this.book.side(order.side).sizeAt(order.price) - order.qty);
    return this.flush();
  }

  /** Seeds resting liquidity as one delta event (the book's first event). */
  seed(levels: { side: Side; price: number; qty: number; id: string }[]): EngineOutput[] {
    for (const l of levels) this.rest(l.side, l.price, l.qty, l.id);
    return this.flush();
  }

  private take(side: Side, qty: number, limit: number | undefined, takerId: string, newTradeId: () => string): number {
    const makerSide: Side = side === 'bid' ? 'ask' : 'bid';
    const opposite = this.book.side(makerSide);
    const queues = this.queues[makerSide];
    let remaining = qty;
    while (remaining > 0) {
      const best = opposite.bestPrice();
      if (best === undefined) break;
      if (limit !== undefined && (side === 'bid' ? best > limit : best < limit)) break;
      const queue = queues.get(best)!;
      let levelSize = opposite.sizeAt(best);
      while (remaining > 0 && queue.length > 0) {
        const maker = queue[0]!;
        const fill = Math.min(maker.qty, remaining);
        maker.qty -= fill;
        remaining -= fill;
        levelSize -= fill;
        this.out.push({
          kind: 'TRADE',
          sequence: ++this.sequence,
          trade: {
            trade_id: newTradeId(),
            price: this.instrument.tick.format(best),
            quantity: this.instrument.lot.format(fill),
            taker_side: side === 'bid' ? 'buy' : 'sell',
            maker_order_id: maker.id,
            taker_order_id: takerId,
          },
        });
        if (maker.qty === 0) {
          queue.shift();
          this.unlive(maker);
        }
      }
      if (queue.length === 0) queues.delete(best);
      this.setLevel(makerSide, best, levelSize);
    }
    return remaining;
  }

  private rest(side: Side, price: number, qty: number, id: string): void {
    const order: RestingOrder = { id, side, price, qty, slot: this.live.length };
    this.live.push(order);
    const queues = this.queues[side];
    const queue = queues.get(price);
    if (queue) queue.push(order);
    else queues.set(price, [order]);
    this.setLevel(side, price, this.book.side(side).sizeAt(price) + qty);
  }

  private unlive(order: RestingOrder): void {
    const last = this.live.pop()!;
    if (last !== order) {
      this.live[order.slot] = last;
      last.slot = order.slot;
    }
  }

  private setLevel(side: Side, price: number, size: number): void {
    this.book.set(side, price, size);
    this.changed[side].set(price, size);
  }

  private flush(): EngineOutput[] {
    if (this.changed.bid.size || this.changed.ask.size) {
      const delta = { bids: levelRecords(this.instrument, this.changed.bid), asks: levelRecords(this.instrument, this.changed.ask) };
      this.out.push({ kind: 'BOOK_DELTA', sequence: ++this.sequence, delta });
      this.changed = { bid: new Map(), ask: new Map() };
    }
    this.book.sequence = this.sequence;
    const out = this.out;
    this.out = [];
    return out;
  }
}
