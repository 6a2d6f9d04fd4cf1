// The service's in-memory market, fed with decoded engine records: instruments, per-symbol
// sequencing, books kept in sync, and what each processed batch must publish. Pure: no Kafka
// here, so the whole ingest logic runs in unit tests against the simulator.
import type {
  WireBookHash,
  WireBookSnapshot,
  WireEngineEvent,
  WireInstrument,
  WireInstrumentStatus,
  WireTrade,
} from '../contract/engine-wire.js';
import { Books } from '../domain/books.js';
import { DecimalError } from '../domain/decimal.js';
import type { Instrument } from '../domain/instrument.js';
import { instrumentOfWire } from '../contract/engine-wire.js';
import type { Side } from '../domain/order-book.js';
import { BookSync, type BookSyncListener, type HashResult, type ResyncReason } from './book-sync.js';
import { EventSequencer, type Gap } from './event-sequencer.js';
import { TradeAggregates, type ClosedCandle } from './trade-aggregates.js';
import { INTERVAL_NAMES } from '../domain/candle.js';
import type { BookDeltaValue } from '../market/market-output.js';

export type SymbolStatus = 'in_sync' | 'resyncing' | 'halted';

/** Where an event came from in Kafka, so offsets are never committed past one still held. */
export interface Origin {
  partition: number;
  offset: number;
}
type Held = WireEngineEvent & { origin?: Origin };

export interface TradeOut {
  symbol: string;
  sequence: number;
  timestamp: number;
  sendTimeUs: number;
  trade: WireTrade;
}

/** Level changes of one symbol merged over a batch (its checksum is added when the output is built). */
export type DeltaOut = Omit<BookDeltaValue, 'checksum'>;

export type SnapshotReason = 'start' | 'resync' | 'periodic' | 'resume';

export interface BatchOutput {
  trades: TradeOut[];
  deltas: Map<string, DeltaOut>;
  /** Books to publish whole, why, and (set when the output is taken) the sequence they are at. */
  snapshots: Map<string, { reason: SnapshotReason; sequence: number }>;
  /** Records the service refused, with the reason (they go to the DLQ). */
  rejected: { symbol: string; sequence: number; reason: string }[];
  /** Candles that closed (each exactly once). */
  candles: ClosedCandle[];
  /** In-progress candles that changed since the last update (coalesced). */
  candleUpdates: ClosedCandle[];
  /** Symbols whose 24h ticker is due. */
  tickers: string[];
  /** Published books that broke (a resync began and is not over within this output): md.* readers are told. */
  breaks: Set<string>;
}

/** What the state reports as it goes; the composition root turns these into metrics and logs. */
export interface IngestObserver {
  /** A symbol became known: its per-symbol series start at 0 (so rate() and absence alerts work from the start). */
  listed?(symbol: string): void;
  duplicate(symbol: string): void;
  gap(symbol: string, missing: number): void;
  resync(symbol: string, reason: ResyncReason, detail: string): void;
  hash(symbol: string, result: HashResult): void;
  rejected(symbol: string, reason: string): void;
  candleClosed(symbol: string, interval: string): void;
  /** A trade older than a candle that had already closed: it is in the ticker but not in that candle. */
  lateTrade(symbol: string): void;
}

const emptyOutput = (): BatchOutput => ({ trades: [], deltas: new Map(), snapshots: new Map(), rejected: [], candles: [], candleUpdates: [], tickers: [], breaks: new Set() });

/** A sequence this far past the last one is not a gap but garbage (a gap this long would be days of an engine's output). */
export const MAX_SEQUENCE_JUMP = 10_000_000;
/** An engine timestamp this far ahead of the engine clock, or behind its symbol's last one, is garbage too. */
export const MAX_TIMESTAMP_JUMP_MS = 86_400_000;

/**
 * Why an event cannot be from the engine's stream of its symbol, or undefined when it can. Time is
 * judged against the later of the symbol's last event and the engine clock now, so a symbol quiet
 * for days (a halt, a weekend) is not refused when it trades again.
 */
export function implausibility(
  e: { sequence: number; timestamp: number },
  lastSequence: number | undefined,
  lastTimestamp: number | undefined,
  engineNow: number,
): string | undefined {
  if (!Number.isSafeInteger(e.sequence) || e.sequence < 0) return `sequence_out_of_range: ${e.sequence}`;
  if (lastSequence !== undefined && e.sequence > lastSequence + MAX_SEQUENCE_JUMP) return `sequence_out_of_range: ${e.sequence} after ${lastSequence}`;
  if (lastTimestamp === undefined) return undefined;
  if (e.timestamp > Math.max(lastTimestamp, engineNow) + MAX_TIMESTAMP_JUMP_MS) return `timestamp_out_of_range: ${e.timestamp} ahead of ${Math.max(lastTimestamp, engineNow)}`;
  if (e.timestamp < lastTimestamp - MAX_TIMESTAMP_JUMP_MS) return `timestamp_out_of_range: ${e.timestamp} behind ${lastTimestamp}`;
  return undefined;
}

/** A consumer with no fetch answered for this long is not reading (broker away, consumption stalled). */
const FETCH_STALL_MS = 1000;

export class MarketState implements BookSyncListener {
  readonly books = new Books();
  readonly aggregates = new TradeAggregates();
  /** Latest open interest per perpetual, as the engine reported it. */
  readonly openInterest = new Map<string, string>();
  readonly latestSnapshots = new Map<string, WireBookSnapshot>();
  private readonly syncs = new Map<string, BookSync>();
  private readonly sequencers = new Map<string, EventSequencer<WireEngineEvent>>();
  private readonly halted = new Set<string>();
  /** Events of a symbol whose instrument has not arrived yet (bounded, short-lived). */
  private readonly orphans = new Map<string, { since: number; events: WireEngineEvent[] }>();
  /** Sequence of the last delta or snapshot published per symbol: the next delta's prevSequence. */
  private readonly published = new Map<string, number>();
  private readonly current = new Map<string, { timestamp: number; sendTimeUs: number }>();
  /** When each symbol last had an event, to spot a lost tail (no later event shows the gap). */
  private readonly lastEventAt = new Map<string, number>();
  /** The partition each symbol's events come from, and whether the consumer is at its end. */
  private readonly partitionOf = new Map<string, number>();
  private readonly partitionCaughtUp = new Map<number, boolean>();
  private lastFetchAt: number | undefined;
  private fetchLiveSince: number | undefined;
  /**
   * Set by a fetch stall (broker away), cleared by the next event read. Meanwhile the clock closes
   * no candle: an engine that could not reach the broker sends its held events again once it is
   * back, after the consumer has found its partitions at their (old) end, and their trades belong
   * to candles the clock would otherwise close (a chaos run closed a 1m candle 273 trades short).
   */
  private awaitingEngineAfterStall = false;
  private symbolPartition: ((symbol: string) => number) | undefined;
  private out: BatchOutput = emptyOutput();
  private readonly released: WireEngineEvent[] = [];
  private readonly tradeMarks = new Map<string, number>();
  /** When the last batch of each partition was read. */
  private readonly partitionReadAt = new Map<number, number>();
  private readonly gaps: Gap[] = [];

  constructor(
    private readonly observer: IngestObserver,
    private readonly opts = { reorderWindow: 512, reorderWaitMs: 250, tailWaitMs: 1000, orphanMaxEvents: 10_000, orphanMaxMs: 10_000 },
  ) {}

  // ---- instruments ----

  onInstrument(w: WireInstrument): Instrument | undefined {
    let inst: Instrument;
    try {
      inst = instrumentOfWire(w);
    } catch (err) {
      this.reject(w.symbol, 0, `instrument_invalid: ${(err as Error).message}`);
      return undefined;
    }
    const isNew = !this.books.instrument(w.symbol);
    this.books.upsertInstrument(inst);
    if (inst.status === 'halted') this.halted.add(inst.symbol);
    else this.halted.delete(inst.symbol);
    if (isNew) {
      this.observer.listed?.(inst.symbol);
      this.syncs.set(inst.symbol, new BookSync(inst.symbol, this.books, this, (s) => this.latestSnapshots.get(s)));
      this.sequencers.set(inst.symbol, new EventSequencer(this.opts.reorderWindow, this.opts.reorderWaitMs));
      const snap = this.latestSnapshots.get(inst.symbol);
      if (snap) this.syncs.get(inst.symbol)!.initFrom(snap);
      const orphans = this.orphans.get(inst.symbol);
      this.orphans.delete(inst.symbol);
      for (const e of orphans?.events ?? []) this.onEvent(e, orphans!.since);
    }
    return inst;
  }

  onStatus(w: WireInstrumentStatus): void {
    if (!this.books.instrument(w.symbol)) return;
    if (w.status === 'halted') this.halted.add(w.symbol);
    else if (this.halted.delete(w.symbol)) this.markSnapshot(w.symbol, 'resume');
  }

  instrument(symbol: string): Instrument | undefined {
    return this.books.instrument(symbol);
  }

  symbols(): string[] {
    return this.books.symbols();
  }

  /** What a client of this symbol is told: in sync, resyncing (no book to trust), or halted. */
  /** Sequence the symbol's book is at now (events applied, whether output yet or not). */
  bookSequence(symbol: string): number | undefined {
    return this.syncs.get(symbol)?.sequence;
  }

  /** Sequence of a symbol's book as last output (the base the next delta chains from). */
  publishedSequence(symbol: string): number | undefined {
    return this.published.get(symbol);
  }

  status(symbol: string): SymbolStatus | undefined {
    const sync = this.syncs.get(symbol);
    if (!sync) return undefined;
    if (this.halted.has(symbol)) return 'halted';
    return sync.status;
  }

  // ---- engine records ----

  onSnapshot(s: WireBookSnapshot): void {
    const prev = this.latestSnapshots.get(s.symbol);
    if (!prev || s.sequence >= prev.sequence) this.latestSnapshots.set(s.symbol, s);
    this.syncs.get(s.symbol)?.onSnapshot(s);
  }

  onHash(h: WireBookHash): void {
    this.syncs.get(h.symbol)?.onHash(h);
  }

  onEvent(e: WireEngineEvent, now: number, origin?: Origin): void {
    if (origin) {
      (e as Held).origin = origin;
      this.partitionOf.set(e.symbol, origin.partition);
    }
    const seqr = this.sequencers.get(e.symbol);
    if (!seqr) {
      this.holdOrphan(e, now);
      return;
    }
    const implausible = implausibility(e, seqr.lastReleased, this.current.get(e.symbol)?.timestamp, this.aggregates.engineNow(now));
    if (implausible) {
      // before it can move the sequence or the engine clock: one absurd event must not freeze a symbol
      this.reject(e.symbol, e.sequence, implausible);
      return;
    }
    this.lastEventAt.set(e.symbol, now);
    this.aggregates.observeEngineTime(e.timestamp, now);
    this.awaitingEngineAfterStall = false;
    const released = this.released;
    const gaps = this.gaps;
    released.length = 0;
    gaps.length = 0;
    if (seqr.push(e, now, released, gaps) === 'duplicate') {
      this.observer.duplicate(e.symbol);
      return;
    }
    this.process(e.symbol, released, gaps);
  }

  /**
   * Periodic housekeeping: declare gaps that waited too long; resync a book that a newer engine
   * snapshot shows to be behind while no event has come for a while although the consumer is at
   * the end of the symbol's partition (its last events were lost);
   * drop orphans whose instrument never came.
   */
  tick(now: number): void {
    for (const [symbol, seqr] of this.sequencers) {
      if (seqr.heldCount > 0 && this.readPast(symbol, seqr.oldestArrival(), now)) {
        const released: WireEngineEvent[] = [];
        const gaps: Gap[] = [];
        seqr.expire(now, released, gaps);
        this.process(symbol, released, gaps);
      }
      const sync = this.syncs.get(symbol)!;
      const snap = this.latestSnapshots.get(symbol);
      if (
        sync.status === 'in_sync' &&
        seqr.heldCount === 0 &&
        this.caughtUp(symbol, now) &&
        snap &&
        snap.sequence > sync.sequence &&
        now - (this.lastEventAt.get(symbol) ?? 0) >= this.opts.tailWaitMs
      ) {
        this.observer.gap(symbol, snap.sequence - sync.sequence);
        sync.onGap(sync.sequence + 1, snap.sequence);
      }
    }
    const before = this.out.candles.length;
    // a symbol holding events behind a gap may still release trades of the candle: not closed meanwhile
    if (!this.awaitingEngineAfterStall) this.aggregates.closeByClock(now, (symbol) => this.caughtUp(symbol, now) && (this.sequencers.get(symbol)?.heldCount ?? 0) === 0, this.out.candles);
    for (let i = before; i < this.out.candles.length; i++) this.observer.candleClosed(this.out.candles[i]!.symbol, this.out.candles[i]!.candle.interval);
    for (const [symbol, o] of this.orphans) {
      if (now - o.since < this.opts.orphanMaxMs) continue;
      this.orphans.delete(symbol);
      for (const e of o.events) this.reject(symbol, e.sequence, 'unknown_symbol');
    }
  }

  /**
   * The consumer had a fetch answered at `at`. Read-to-the-end flags are only as fresh as the last
   * fetch: while the broker is away (or consumption stalls) nothing can be judged by the clock,
   * or candles would close empty while their trades wait in Kafka. After a stall, one
   * FETCH_STALL_MS of answered fetches passes first, so partitions with a backlog report it.
   */
  noteFetch(at: number): void {
    const stalled = this.lastFetchAt !== undefined && at - this.lastFetchAt > FETCH_STALL_MS;
    if (this.lastFetchAt === undefined || stalled) this.fetchLiveSince = at;
    if (stalled) this.awaitingEngineAfterStall = true;
    this.lastFetchAt = at;
  }

  private fetchLive(now: number): boolean {
    if (this.lastFetchAt === undefined) return true; // no consumer reporting fetches (pure use)
    return now - this.lastFetchAt <= FETCH_STALL_MS && now - this.fetchLiveSince! >= FETCH_STALL_MS;
  }

  /** The consumer tells whether it has read a partition to its end (a lost tail is only judged then). */
  setPartitionCaughtUp(partition: number, caughtUp: boolean): void {
    this.partitionCaughtUp.set(partition, caughtUp);
  }

  /** A batch of `partition` read at `at` (the time its events were given) has been processed. */
  partitionRead(partition: number, caughtUp: boolean, at: number): void {
    this.partitionCaughtUp.set(partition, caughtUp);
    this.partitionReadAt.set(partition, at);
  }

  /** The partitions this instance consumes, none of them known to be caught up yet (a join or rebalance). */
  setAssignedPartitions(partitions: readonly number[]): void {
    const before = new Set(this.partitionCaughtUp.keys());
    this.partitionCaughtUp.clear();
    for (const p of partitions) this.partitionCaughtUp.set(p, false);
    // symbols this instance starts publishing (a takeover): their next output is a whole book, so
    // readers of md.* get a base to chain from whatever the previous owner published last
    for (const symbol of this.syncs.keys()) {
      const p = this.partitionOf.get(symbol) ?? this.symbolPartition?.(symbol);
      if (p !== undefined && this.partitionCaughtUp.has(p) && !before.has(p)) this.markSnapshot(symbol, this.published.has(symbol) ? 'resync' : 'start');
    }
  }

  /** The last trade of `symbol` already published (by any core): trades at or below it are not output again. */
  setPublishedTradeMark(symbol: string, sequence: number): void {
    this.tradeMarks.set(symbol, sequence);
  }

  /** Every known symbol whose events come from one of `partitions`. */
  symbolsOfPartitions(partitions: readonly number[]): string[] {
    return [...this.symbolsByPartition(partitions).values()].flat();
  }

  /** The partition carrying a symbol's events (seen on an event, else the partitioner's answer). */
  partitionOfSymbol(symbol: string): number | undefined {
    return this.partitionOf.get(symbol) ?? this.symbolPartition?.(symbol);
  }

  /** The known symbols of each of `partitions`, in one pass. */
  symbolsByPartition(partitions: readonly number[]): Map<number, string[]> {
    const out = new Map<number, string[]>(partitions.map((p) => [p, []]));
    for (const s of this.books.symbols()) {
      const p = this.partitionOf.get(s) ?? this.symbolPartition?.(s);
      if (p !== undefined) out.get(p)?.push(s);
    }
    return out;
  }

  /**
   * A symbol this instance (again) consumes from its committed offset: its stream order starts
   * afresh (another core may have moved it on; the book catches up or resyncs as after a restart).
   */
  restartStream(symbol: string): void {
    if (!this.sequencers.has(symbol)) return;
    this.sequencers.set(symbol, new EventSequencer(this.opts.reorderWindow, this.opts.reorderWaitMs));
    this.orphans.delete(symbol);
  }

  /**
   * Whether this instance publishes the symbol: its partition is assigned here. Every instance
   * follows every book from the engine's snapshots, but only the owner's outputs go out (another
   * core owns the rest). Without partition tracking (pure use, no consumer) it owns everything.
   */
  owns(symbol: string): boolean {
    if (this.partitionCaughtUp.size === 0 && !this.symbolPartition) return true;
    const p = this.partitionOf.get(symbol) ?? this.symbolPartition?.(symbol);
    return p !== undefined && this.partitionCaughtUp.has(p);
  }

  /** Tells which partition carries a symbol's events before any of them is seen (see symbol-partition.ts). */
  setSymbolPartitioner(partitionOf: (symbol: string) => number): void {
    this.symbolPartition = partitionOf;
  }

  /**
   * Whether the consumer has read on since `since` (a batch of the symbol's partition came after
   * it, or nothing is left to read): only then may a missing event be declared lost. Its clock
   * alone would declare it while the event still waits in Kafka (a rebalance, a paused or stalled
   * consumer), and it would then be dropped as old when read: a trade lost.
   */
  private readPast(symbol: string, since: number, now: number): boolean {
    if (this.caughtUp(symbol, now)) return true;
    const p = this.partitionOfSymbol(symbol);
    return p !== undefined && (this.partitionReadAt.get(p) ?? -Infinity) > since;
  }

  /**
   * Whether every event of `symbol` that Kafka holds has been read: its partition is assigned to
   * this instance and read to its end. Until then the clock closes none of its candles (after a
   * restart the replay may still hold trades of the open candle; a partition another instance
   * owns is not ours to close). Without partition tracking (pure use, no consumer) everything
   * counts as read.
   */
  private caughtUp(symbol: string, now = Date.now()): boolean {
    if (this.partitionCaughtUp.size === 0 && !this.symbolPartition) return true;
    if (!this.fetchLive(now)) return false;
    const p = this.partitionOf.get(symbol) ?? this.symbolPartition?.(symbol);
    return p !== undefined && this.partitionCaughtUp.get(p) === true;
  }

  /** Puts the in-progress candles that changed since the last call into the next output (coalescing). */
  markCandleUpdates(): void {
    this.out.candleUpdates.push(...this.aggregates.takeDirty().filter((c) => !c.candle.closed));
  }

  /** Puts every open candle of the symbols this instance owns into the next output (an edge starting reads them from md.ohlcv). */
  markOpenCandles(): void {
    for (const symbol of this.aggregates.symbols()) {
      if (!this.owns(symbol)) continue;
      for (const interval of INTERVAL_NAMES) {
        const candle = this.aggregates.candle(symbol, interval);
        // a copy, as takeDirty makes: the builder's own object, closed by the clock before this
        // output was taken, went out twice (once closed, once as this "update", now closed too)
        if (candle && !candle.closed && !this.out.candleUpdates.some((c) => c.symbol === symbol && c.candle.interval === interval && c.candle.openTime === candle.openTime)) this.out.candleUpdates.push({ symbol, candle: { ...candle } });
      }
    }
  }

  /** Puts every symbol's 24h ticker into the next output. */
  markTickers(): void {
    this.out.tickers = this.symbols().filter((s) => this.owns(s));
  }

  /** Marks every in-sync book for a full snapshot in the next output. */
  snapshotAll(reason: SnapshotReason): void {
    for (const symbol of this.syncs.keys()) if (this.status(symbol) === 'in_sync' && this.owns(symbol)) this.markSnapshot(symbol, reason);
  }

  /**
   * Per partition, the lowest offset of an event the state holds without having output it yet
   * (waiting in a reorder window, or for its instrument). Offsets committed must stay below it.
   */
  heldOffsets(): Map<number, number> {
    const min = new Map<number, number>();
    const note = (e: Held) => {
      if (e.origin && e.origin.offset < (min.get(e.origin.partition) ?? Infinity)) min.set(e.origin.partition, e.origin.offset);
    };
    for (const seqr of this.sequencers.values()) if (seqr.heldCount) for (const e of seqr.heldEvents()) note(e);
    for (const o of this.orphans.values()) for (const e of o.events) note(e);
    return min;
  }

  /**
   * The outputs accumulated since the last call. Snapshots are of the books as they are now, so
   * the caller builds them before feeding the state anything else.
   */
  takeOutput(): BatchOutput {
    const out = this.out;
    this.out = emptyOutput();
    if (!this.ownsAll()) this.dropForeign(out);
    for (const [symbol, d] of out.deltas) this.published.set(symbol, d.sequence);
    for (const [symbol, snap] of out.snapshots) {
      if (!this.owns(symbol)) {
        out.snapshots.delete(symbol); // another core publishes it
        continue;
      }
      snap.sequence = this.syncs.get(symbol)!.sequence;
      this.published.set(symbol, snap.sequence);
    }
    for (const symbol of out.breaks) {
      // over already (rebuilt in this output), or another core's to tell
      const snap = out.snapshots.get(symbol);
      const rebuilt = snap !== undefined && snap.reason !== 'periodic';
      if (rebuilt || !this.owns(symbol) || this.status(symbol) !== 'resyncing') out.breaks.delete(symbol);
    }
    return out;
  }

  /** True when no other instance can own a symbol (no partition tracking, or every partition here). */
  private ownsAll(): boolean {
    return this.partitionCaughtUp.size === 0 && !this.symbolPartition;
  }

  /** Outputs of symbols whose partition moved to another core (events still held here when it moved): theirs to publish. */
  private dropForeign(out: BatchOutput): void {
    const mine = (x: { symbol: string }) => this.owns(x.symbol);
    out.trades = out.trades.filter(mine);
    out.candles = out.candles.filter(mine);
    out.candleUpdates = out.candleUpdates.filter(mine);
    for (const symbol of out.deltas.keys()) if (!this.owns(symbol)) out.deltas.delete(symbol);
  }

  private markSnapshot(symbol: string, reason: SnapshotReason): void {
    const pending = this.out.snapshots.get(symbol);
    if (reason === 'periodic') {
      // the book moved on continuously: its delta stays too, so a chain of deltas (and the merged
      // catch-ups built from it) never misses the changes a periodic snapshot covers
      if (!pending) this.out.snapshots.set(symbol, { reason, sequence: 0 });
      return;
    }
    // the book jumped (start, resync, resume): deltas before it lead nowhere
    this.out.deltas.delete(symbol);
    if (!pending || pending.reason === 'periodic') this.out.snapshots.set(symbol, { reason, sequence: 0 });
  }

  private process(symbol: string, released: WireEngineEvent[], gaps: Gap[]): void {
    const sync = this.syncs.get(symbol)!;
    for (const g of gaps) {
      this.observer.gap(symbol, g.to - g.from + 1);
      sync.onGap(g.from, g.to);
    }
    for (const e of released) {
      this.current.set(symbol, { timestamp: e.timestamp, sendTimeUs: e.send_time_us });
      if (e.kind === 'TRADE' && e.trade) this.acceptTrade(e);
      else if (e.kind === 'OPEN_INTEREST' && e.open_interest) this.acceptOpenInterest(e);
      sync.onEvent(e);
    }
  }

  private acceptTrade(e: WireEngineEvent): void {
    const inst = this.books.instrument(e.symbol)!;
    let price: number;
    let quantity: number;
    try {
      price = inst.tick.toUnits(e.trade!.price);
      quantity = inst.lot.toUnits(e.trade!.quantity);
      if (quantity === 0) throw new DecimalError('malformed', 'zero quantity');
    } catch (err) {
      this.reject(e.symbol, e.sequence, `trade_${(err as DecimalError).reason ?? 'invalid'}`);
      return;
    }
    const mark = this.tradeMarks.get(e.symbol);
    if (mark === undefined || e.sequence > mark) this.out.trades.push({ symbol: e.symbol, sequence: e.sequence, timestamp: e.timestamp, sendTimeUs: e.send_time_us, trade: e.trade! });
    const before = this.out.candles.length;
    if (this.aggregates.onTrade(e.symbol, e.sequence, price, quantity, e.timestamp, this.out.candles) > 0) this.observer.lateTrade(e.symbol);
    for (let i = before; i < this.out.candles.length; i++) this.observer.candleClosed(e.symbol, this.out.candles[i]!.candle.interval);
  }

  private acceptOpenInterest(e: WireEngineEvent): void {
    const inst = this.books.instrument(e.symbol)!;
    try {
      this.openInterest.set(e.symbol, inst.lot.format(inst.lot.toUnits(e.open_interest!.quantity)));
    } catch (err) {
      this.reject(e.symbol, e.sequence, `open_interest_${(err as DecimalError).reason ?? 'invalid'}`);
    }
  }

  private holdOrphan(e: WireEngineEvent, now: number): void {
    const o = this.orphans.get(e.symbol) ?? { since: now, events: [] };
    this.orphans.set(e.symbol, o);
    if (o.events.length < this.opts.orphanMaxEvents) o.events.push(e);
    else this.reject(e.symbol, e.sequence, 'unknown_symbol');
  }

  private reject(symbol: string, sequence: number, reason: string): void {
    this.out.rejected.push({ symbol, sequence, reason });
    this.observer.rejected(symbol, reason.split(':')[0]!);
  }

  // ---- BookSyncListener ----

  levelChanged(symbol: string, side: Side, price: number, size: number, sequence: number): void {
    // a book that jumped is published whole (the snapshot, built at publish time, has this change)
    if (this.out.snapshots.has(symbol) && this.out.snapshots.get(symbol)!.reason !== 'periodic') return;
    let d = this.out.deltas.get(symbol);
    if (!d) {
      const cur = this.current.get(symbol)!;
      d = {
        symbol,
        prevSequence: this.published.get(symbol) ?? 0,
        sequence,
        timestamp: cur.timestamp,
        sendTimeUs: cur.sendTimeUs,
        bids: new Map(),
        asks: new Map(),
      };
      this.out.deltas.set(symbol, d);
    }
    (side === 'bid' ? d.bids : d.asks).set(price, size);
    d.sequence = sequence;
    const cur = this.current.get(symbol)!;
    d.timestamp = cur.timestamp;
    d.sendTimeUs = cur.sendTimeUs;
  }

  bookReplaced(symbol: string, _sequence: number): void {
    this.markSnapshot(symbol, this.published.has(symbol) ? 'resync' : 'start');
  }

  resyncStarted(symbol: string, reason: ResyncReason, detail: string): void {
    this.out.deltas.delete(symbol);
    if (this.published.has(symbol)) this.out.breaks.add(symbol);
    this.observer.resync(symbol, reason, detail);
  }

  hashChecked(symbol: string, result: HashResult): void {
    this.observer.hash(symbol, result);
  }
}
