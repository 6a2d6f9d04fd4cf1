import type { Kafka } from 'kafkajs';
import type { AvroDecoder } from '../../src/contract/avro-codec.js';
import type { WireBookSnapshot } from '../../src/contract/engine-wire.js';
import { engineTopics, RECORD_NAME } from '../../src/contract/topics.js';
import { checksumOfStrings } from '../../src/domain/book-checksum.js';
import { readTopics } from './kafka.js';

/** md.ticker24h.v1 as decoded. */
export interface TickerMsg {
  symbol: string;
  open: string | null;
  high: string | null;
  low: string | null;
  last: string | null;
  volume: string;
  quote_volume: string;
  trade_count: number;
}

interface Level {
  price: string;
  quantity: string;
}
interface MdSnap {
  symbol: string;
  sequence: number;
  bids: Level[];
  asks: Level[];
  checksum: number;
}
interface MdDelta extends MdSnap {
  prev_sequence: number;
}

export interface RebuiltBook {
  sequence: number;
  bids: [string, string][];
  asks: [string, string][];
  checksumFailures: number;
  deltasApplied: number;
}

const sortSide = (m: Map<string, string>, desc: boolean) =>
  [...m].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0]))).map(([p, q]) => [p, q] as [string, string]);

/**
 * What a downstream consumer of md.orderbook.snap.v1 and md.orderbook.delta.v1 sees: per symbol,
 * the latest snapshot, then the deltas that chain from it by prev_sequence, each checksum verified.
 */
export async function rebuildFromMdTopics(kafka: Kafka, decoder: AvroDecoder, prefix: string): Promise<Map<string, RebuiltBook>> {
  const [snapMsgs, deltaMsgs] = await Promise.all([readTopics(kafka, [`${prefix}md.orderbook.snap.v1`]), readTopics(kafka, [`${prefix}md.orderbook.delta.v1`])]);
  const latest = new Map<string, MdSnap>();
  for (const m of snapMsgs) {
    const s = await decoder.decode<MdSnap>(m.value);
    if ((latest.get(s.symbol)?.sequence ?? -1) <= s.sequence) latest.set(s.symbol, s);
  }
  const deltas = new Map<string, Map<number, MdDelta>>();
  for (const m of deltaMsgs) {
    const d = await decoder.decode<MdDelta>(m.value);
    const byPrev = deltas.get(d.symbol) ?? new Map<number, MdDelta>();
    byPrev.set(d.prev_sequence, d);
    deltas.set(d.symbol, byPrev);
  }
  const out = new Map<string, RebuiltBook>();
  for (const [symbol, snap] of latest) {
    const bids = new Map(snap.bids.map((l) => [l.price, l.quantity]));
    const asks = new Map(snap.asks.map((l) => [l.price, l.quantity]));
    let seq = snap.sequence;
    let checksumFailures = 0;
    let deltasApplied = 0;
    for (let d = deltas.get(symbol)?.get(seq); d; d = deltas.get(symbol)?.get(seq)) {
      for (const l of d.bids) (/^0(\.0*)?$/.test(l.quantity) ? bids.delete(l.price) : bids.set(l.price, l.quantity));
      for (const l of d.asks) (/^0(\.0*)?$/.test(l.quantity) ? asks.delete(l.price) : asks.set(l.price, l.quantity));
      seq = d.sequence;
      deltasApplied++;
      if (checksumOfStrings(sortSide(bids, true).slice(0, 25), sortSide(asks, false).slice(0, 25), 25) !== d.checksum) checksumFailures++;
    }
    out.set(symbol, { sequence: seq, bids: sortSide(bids, true), asks: sortSide(asks, false), checksumFailures, deltasApplied });
  }
  return out;
}

/** The engine's latest snapshot of every symbol (engine.snapshot.v1): the books' ground truth. */
export async function engineFinalBooks(kafka: Kafka, decoder: AvroDecoder, prefix: string): Promise<Map<string, WireBookSnapshot>> {
  const latest = new Map<string, WireBookSnapshot>();
  for (const m of await readTopics(kafka, [engineTopics(prefix).snapshots])) {
    const s = await decoder.decode<WireBookSnapshot>(m.value, RECORD_NAME.snapshots);
    if ((latest.get(s.symbol)?.sequence ?? -1) <= s.sequence) latest.set(s.symbol, s);
  }
  return latest;
}
