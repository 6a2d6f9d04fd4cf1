// The whole simulated market: one MarketModel per symbol, a virtual clock, and periodic full
// snapshots and book hashes. Produces wire records; knows nothing of Kafka.
import { bookChecksum, CHECKSUM_ALGORITHM } from '../domain/book-checksum.js';
import type { WireBookHash, WireBookSnapshot, WireEngineEvent, WireInstrument } from '../contract/engine-wire.js';
import { levelRecords, makeInstrument, type Instrument } from '../domain/instrument.js';
import { listings } from './instruments.js';
import { MarketModel } from './market-model.js';
import type { EngineOutput } from './matching-engine.js';
import { Random } from './random.js';

export interface SimulationOptions {
  symbols: number;
  seed: number;
  /** Engine time of the first event, epoch ms. */
  startTime: number;
  snapshotIntervalMs: number;
  hashIntervalMs: number;
  seedLevels: number;
  maxOrders: number;
}

export interface Batch {
  events: WireEngineEvent[];
  snapshots: WireBookSnapshot[];
  hashes: WireBookHash[];
}

export const nowMicros = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

export class Simulation {
  readonly models: MarketModel[];
  private readonly rng: Random;
  private nextSnapshotAt: number;
  private nextHashAt: number;
  private seeded = false;

  constructor(readonly opts: SimulationOptions) {
    this.rng = new Random(opts.seed);
    this.models = listings(opts.symbols).map(
      (l, i) =>
        new MarketModel(makeInstrument(l.spec), l.price, l.typicalLots, new Random(opts.seed * 1009 + i + 1), {
          seedLevels: opts.seedLevels,
          maxOrders: opts.maxOrders,
        }),
    );
    this.nextSnapshotAt = opts.startTime + opts.snapshotIntervalMs;
    this.nextHashAt = opts.startTime + opts.hashIntervalMs;
  }

  instruments(): WireInstrument[] {
    return this.models.map(({ instrument: i }) => ({
      symbol: i.symbol,
      base: i.base,
      quote: i.quote,
      kind: i.kind,
      tick_size: i.tickSize,
      lot_size: i.lotSize,
      status: i.status,
      perpetual: i.perpetual
        ? { index_symbol: i.perpetual.indexSymbol, funding_interval_hours: i.perpetual.fundingIntervalHours, interest_rate: i.perpetual.interestRate }
        : null,
      timestamp: this.opts.startTime,
    }));
  }

  /**
   * At least `minEvents` engine events stamped with engine time `time` (actions are atomic, so a
   * batch may run a few events over), plus the snapshots and hashes that fall due by then.
   */
  next(minEvents: number, time: number): Batch {
    const events: WireEngineEvent[] = [];
    const push = (model: MarketModel, outs: EngineOutput[]) => {
      for (const o of outs) events.push(toWire(model.instrument.symbol, o, time));
    };
    if (!this.seeded) {
      for (const m of this.models) push(m, m.seed());
      this.seeded = true;
    }
    while (events.length < minEvents) {
      const m = this.models[this.rng.uint32() % this.models.length]!;
      push(m, m.step());
    }
    const batch: Batch = { events, snapshots: [], hashes: [] };
    if (time >= this.nextSnapshotAt) {
      batch.snapshots = this.snapshots(time);
      while (this.nextSnapshotAt <= time) this.nextSnapshotAt += this.opts.snapshotIntervalMs;
    }
    if (time >= this.nextHashAt) {
      batch.hashes = this.hashes(time);
      while (this.nextHashAt <= time) this.nextHashAt += this.opts.hashIntervalMs;
    }
    return batch;
  }

  snapshots(time: number): WireBookSnapshot[] {
    return this.models.map(({ instrument, engine }) => {
      const d = engine.book.depth(Infinity);
      return { symbol: instrument.symbol, sequence: engine.sequence, timestamp: time, send_time_us: 0, bids: levelRecords(instrument, d.bids), asks: levelRecords(instrument, d.asks) };
    });
  }

  hashes(time: number): WireBookHash[] {
    return this.models.map(({ instrument, engine }) => ({
      symbol: instrument.symbol,
      sequence: engine.sequence,
      timestamp: time,
      send_time_us: 0,
      algorithm: CHECKSUM_ALGORITHM,
      depth: 0,
      hash: bookChecksum(engine.book, instrument.tick, instrument.lot, 0),
    }));
  }

  instrument(symbol: string): Instrument | undefined {
    return this.models.find((m) => m.instrument.symbol === symbol)?.instrument;
  }
}

function toWire(symbol: string, o: EngineOutput, time: number): WireEngineEvent {
  return {
    symbol,
    sequence: o.sequence,
    timestamp: time,
    send_time_us: 0,
    kind: o.kind,
    trade: o.kind === 'TRADE' ? o.trade : null,
    book_delta: o.kind === 'BOOK_DELTA' ? o.delta : null,
    open_interest: null,
  };
}
