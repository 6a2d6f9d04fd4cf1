// The page's copy of one order book: a snapshot, then deltas applied only when their prev_seq
// is our seq, each message's checksum verified against the top 25 levels we hold.
import { checksumPayload } from '../../src/domain/checksum-payload.js';
import { Increment } from '../../src/domain/decimal.js';
import { crc32 } from '../../src/domain/crc32.js';

const CHECKSUM_DEPTH = 25;

export interface BookMessage {
  type: 'book';
  action: 'snapshot' | 'delta' | 'status';
  symbol: string;
  prec: string;
  seq: number;
  prev_seq?: number;
  status?: string;
  bids?: [string, string][];
  asks?: [string, string][];
  checksum?: number;
  ts?: number;
}

export type ApplyResult = 'ok' | 'chain_break' | 'ignored';

export class ClientBook {
  seq = -1;
  status = 'resyncing';
  updatedAt = 0;
  /** The instrument's tick: prices become whole ticks for sorting (grouped prices are multiples too). */
  private tick = Increment.parse('1');
  /** The checksum the server sent with the last message applied, for verify(). */
  private checksum: number | undefined;
  private readonly bids = new Map<string, Level>();
  private readonly asks = new Map<string, Level>();

  apply(m: BookMessage): ApplyResult {
    if (m.action === 'status') {
      this.status = m.status ?? this.status;
      return 'ok';
    }
    if (m.action === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
      this.status = m.status ?? 'in_sync';
    } else {
      if (this.seq < 0) return 'ignored'; // a delta before our snapshot
      if (m.prev_seq !== this.seq) return 'chain_break';
    }
    update(this.bids, m.bids ?? [], this.tick);
    update(this.asks, m.asks ?? [], this.tick);
    this.seq = m.seq;
    this.checksum = m.checksum;
    this.updatedAt = Date.now();
    return 'ok';
  }

  /**
   * Whether the book we hold has the checksum the server sent for it (its top 25 levels). Checked
   * as the page draws, not per message: a divergence shows in the latest state all the same.
   */
  verify(): boolean {
    if (this.checksum === undefined) return true;
    const { bids, asks } = this.levels(CHECKSUM_DEPTH);
    return crc32(checksumPayload(bids, asks, CHECKSUM_DEPTH)) === this.checksum;
  }

  /** The best `depth` levels of each side, best first. */
  levels(depth: number): { bids: [string, string][]; asks: [string, string][] } {
    return { bids: best(this.bids, depth, true), asks: best(this.asks, depth, false) };
  }

  /** Starts over empty; with `tick`, for another instrument. */
  reset(tick?: Increment): void {
    if (tick) this.tick = tick;
    this.seq = -1;
    this.bids.clear();
    this.asks.clear();
  }
}

interface Level {
  qty: string;
  /** The price in whole ticks, computed once, for sorting. */
  ticks: number;
}

/** A size of zero ("0", "0.000") removes the level. */
const ZERO = /^0+(\.0*)?$/;

function update(side: Map<string, Level>, changes: [string, string][], tick: Increment): void {
  for (const [p, q] of changes) {
    if (ZERO.test(q)) side.delete(p);
    else {
      const l = side.get(p);
      if (l) l.qty = q;
      else side.set(p, { qty: q, ticks: tick.toUnits(p) });
    }
  }
}

function best(side: Map<string, Level>, depth: number, descending: boolean): [string, string][] {
  const levels = [...side].sort((a, b) => a[1].ticks - b[1].ticks);
  if (descending) levels.reverse();
  return levels.slice(0, depth).map(([p, l]) => [p, l.qty]);
}
