// What every venue stand-in shares: its seeded market, its connections and their subscriptions,
// the clock that steps the market, and the faults a test can inject. A venue file only formats
// (its REST answers, its subscribe acks, snapshots, diffs, trades and tickers).
import type { WebSocket } from 'ws';
import { seededModels, VENUE_SYMBOLS, type ModelStep, type SymbolModel, type VenueSymbol } from './venue-model.js';

/**
 * pause: the market stands still (nothing changes, nothing is sent); stall: it moves but nothing is
 * sent (a silent socket); close: every socket dropped once; refuse: sockets dropped and new ones and
 * REST refused (503) until `none`; gap: one update never sent; bad_checksum: the next checksum
 * wrong (venues that send them); duplicate: one update sent twice; reorder: one update sent after
 * the next; garbage: a malformed frame before the next update; garbage_forever: every frame
 * malformed until `none`.
 */
export type VenueFault = 'none' | 'pause' | 'stall' | 'close' | 'refuse' | 'gap' | 'bad_checksum' | 'duplicate' | 'reorder' | 'garbage' | 'garbage_forever';
export const VENUE_FAULTS: readonly VenueFault[] = ['none', 'pause', 'stall', 'close', 'refuse', 'gap', 'bad_checksum', 'duplicate', 'reorder', 'garbage', 'garbage_forever'];

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** One subscription of one connection: a channel of one symbol, in the venue's terms. */
export interface Subscription {
  kind: 'book' | 'trades' | 'ticker' | 'funding' | 'liquidations';
  symbol: string;
  /** Venue-specific: a channel id, the depth asked for, whether the snapshot went out. */
  state: Record<string, unknown>;
}

export interface Connection {
  socket: WebSocket;
  path: string;
  subs: Subscription[];
}

export abstract class VenueStandIn {
  readonly models: Map<string, SymbolModel>;
  readonly connections = new Set<Connection>();
  fault: VenueFault = 'none';
  /** Frames sent, per kind (for tests and the benchmark). */
  sent = 0;
  private held: { conn: Connection; frame: string }[] | undefined;

  constructor(
    readonly id: string,
    seed: number,
    /** The symbols listed, with the venue's own ticks where they differ. */
    specs: VenueSymbol[] = VENUE_SYMBOLS,
  ) {
    this.models = seededModels(seed, specs);
  }

  /** The venue's REST answer for a path under /<id>, or undefined (404). */
  abstract http(path: string, query: URLSearchParams): HttpAnswer | undefined;
  /** A client frame on a connection (subscribe, ping, ...). */
  abstract onMessage(conn: Connection, text: string): void;
  /** The frames one step produces for one subscription. */
  protected abstract framesFor(conn: Connection, sub: Subscription, step: ModelStep, model: SymbolModel): string[];
  /** Sent on open, if the venue greets (bitfinex's info event). */
  greet(_conn: Connection): void {}

  setFault(fault: VenueFault): void {
    this.fault = fault;
    // close: every connection dropped (the client sees 1006); refuse: dropped, and new ones refused
    if (fault === 'close' || fault === 'refuse') for (const c of this.connections) c.socket.terminate();
    if (fault === 'close') this.fault = 'none';
  }

  send(conn: Connection, frame: string): void {
    if (conn.socket.readyState !== 1) return;
    conn.socket.send(this.fault === 'garbage_forever' ? `${frame.slice(0, 40)}<garbage>` : frame);
    this.sent++;
  }

  /** One step of every symbol, sent to every subscriber (with the fault, if any, applied once). */
  tick(now: number): void {
    if (this.fault === 'pause') return; // the market stands still: a checkpoint to compare books at
    const steps = [...this.models.values()].map((m) => ({ model: m, step: m.step(now) }));
    if (this.fault === 'stall' || this.fault === 'refuse') return;
    const out: { conn: Connection; frame: string }[] = [];
    let bookFrames = 0;
    for (const conn of this.connections) {
      for (const sub of conn.subs) {
        const found = steps.find((s) => s.model.spec.symbol === sub.symbol);
        if (!found) continue;
        const frames = this.framesFor(conn, sub, found.step, found.model);
        if (sub.kind === 'book') bookFrames += frames.length;
        for (const f of frames) out.push({ conn, frame: f });
      }
    }
    // a book fault waits for a step that sends a book update (one with no change for any book
    // would make the gap or the duplicate a no-op nobody can see)
    if ((this.fault === 'gap' || this.fault === 'duplicate' || this.fault === 'reorder') && bookFrames === 0) {
      for (const o of out) this.send(o.conn, o.frame);
      return;
    }
    const fault = this.fault;
    if (fault === 'gap' || fault === 'duplicate' || fault === 'reorder' || fault === 'garbage') this.fault = 'none';
    if (fault === 'gap') return; // this step's updates never sent: the next one does not chain
    if (fault === 'reorder') {
      this.held = out;
      return;
    }
    for (const o of out) {
      if (fault === 'garbage') this.send(o.conn, '{"e":"depthUpdate","b":[["not a price"');
      this.send(o.conn, o.frame);
      if (fault === 'duplicate') this.send(o.conn, o.frame);
    }
    if (this.held) {
      for (const o of this.held) this.send(o.conn, o.frame);
      this.held = undefined;
    }
  }

  /** Bad checksums are the venue's business: it asks whether to spoil the next one. */
  protected takeBadChecksum(): boolean {
    if (this.fault !== 'bad_checksum') return false;
    this.fault = 'none';
    return true;
  }

  /** A symbol's model, by its spot name or its perpetual one (BTC/USDT:USDT). */
  model(symbol: string): SymbolModel | undefined {
    return this.models.get(symbol.split(':')[0]!);
  }
}
