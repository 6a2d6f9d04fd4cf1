// What a fault run is judged by, counted rather than asserted (a chaos run reports every
// difference; the short versions in `make test` assert that each count is 0):
// trades against what the engine published, on md.trades.v1.* and in ClickHouse; every stored
// candle of every interval against a batch recomputation from the stored trades; each 24h ticker
// against a recomputation; each served book against the engine's final snapshot.
import type { Kafka } from 'kafkajs';
import type { Target } from './outcome.js';
import type { AvroDecoder } from '../../src/contract/avro-codec.js';
import { candlesFromTrades, INTERVAL_NAMES } from '../../src/domain/candle.js';
import type { Instrument } from '../../src/domain/instrument.js';
import { RollingTicker } from '../../src/domain/rolling-ticker.js';
import { candleView, quoteAmount } from '../../src/domain/wire-views.js';
import { readTopics } from '../../test/support/kafka.js';
import { engineFinalBooks, type TickerMsg } from '../../test/support/md-book.js';
import type { RunningService } from '../../test/support/service.js';
import { waitUntil } from '../../test/support/stack.js';
import { simInstrument, tradeUnits, type StoredTrade, type TestStores } from '../../test/support/stores.js';

export interface RunFigures {
  trades_published: number;
  /** Published by the engine, missing from ClickHouse. */
  trades_lost_stored: number;
  /** A trade id on more than one row of ClickHouse (FINAL: as a user reads it). */
  trades_doubled_stored: number;
  trades_lost_md: number;
  trades_doubled_md: number;
  candles_checked: number;
  candles_differing: number;
  tickers_checked: number;
  tickers_differing: number;
  books_checked: number;
  books_differing: number;
  /** Human-readable first differences, for the log (never more than a few). */
  examples: string[];
}

/** What checkRun's counts must be: nothing lost, doubled or differing. */
export const EXACT_RUN: Target[] = ['trades_lost_stored', 'trades_doubled_stored', 'trades_lost_md', 'trades_doubled_md', 'candles_differing', 'tickers_differing', 'books_differing'].map((figure) => ({ figure, max: 0 }));

export interface RunToCheck {
  kafka: Kafka;
  decoder: AvroDecoder;
  prefix: string;
  stores: TestStores;
  /** Processes whose REST books are compared with the engine's (an all process or the edges). */
  servers: RunningService[];
  /** Symbol count of the simulator run (its instruments). */
  symbols: number;
}

const lostOf = (want: Set<string>, got: Iterable<string>) => {
  const have = new Set(got);
  let n = 0;
  for (const id of want) if (!have.has(id)) n++;
  return n;
};

const doubledOf = (ids: string[]) => ids.length - new Set(ids).size;

/** Trade ids the engine published (a gap fault never publishes its event; garbage decodes to nothing). */
export async function publishedTrades(kafka: Kafka, decoder: AvroDecoder, prefix: string): Promise<Set<string>> {
  const published = new Set<string>();
  for (const m of await readTopics(kafka, [`${prefix}engine.event.v1`], 300_000)) {
    const e = await decoder.decode<{ kind: string; trade: { trade_id: string } | null }>(m.value).catch(() => undefined);
    if (e?.kind === 'TRADE' && e.trade) published.add(e.trade.trade_id);
  }
  return published;
}

export async function checkRun(run: RunToCheck, settleMs = 120_000): Promise<RunFigures> {
  const { kafka, decoder, prefix, stores } = run;
  const examples: string[] = [];
  const note = (s: string) => examples.length < 8 && examples.push(s);
  const published = await publishedTrades(kafka, decoder, prefix);
  await stores.waitForTrades(published.size, settleMs).catch(() => undefined);
  const rows = await stores.trades();

  const mdIds: string[] = [];
  const symbolsSeen = [...new Set(rows.map((r) => r.symbol))];
  const instruments = new Map<string, Instrument>(symbolsSeen.map((s) => [s, simInstrument(s, run.symbols)]));
  for (const s of instruments.keys()) {
    const seen = new Map<string, string>();
    for (const m of await readTopics(kafka, [`${prefix}md.trades.v1.${s}`], 300_000)) {
      const t = await decoder.decode<{ trade_id: string; sequence: number }>(m.value);
      mdIds.push(t.trade_id);
      if (seen.has(t.trade_id)) note(`${s} trade seq ${t.sequence} on md.trades at offsets ${seen.get(t.trade_id)} and ${m.offset}`);
      else seen.set(t.trade_id, m.offset);
    }
  }
  const f: RunFigures = {
    trades_published: published.size,
    trades_lost_stored: lostOf(published, rows.map((r) => r.trade_id)),
    trades_doubled_stored: doubledOf(rows.map((r) => r.trade_id)),
    trades_lost_md: lostOf(published, mdIds),
    trades_doubled_md: doubledOf(mdIds),
    candles_checked: 0,
    candles_differing: 0,
    tickers_checked: 0,
    tickers_differing: 0,
    books_checked: 0,
    books_differing: 0,
    examples,
  };
  if (f.trades_lost_stored) note(`${f.trades_lost_stored} published trades not in ClickHouse`);
  if (f.trades_lost_md) note(`${f.trades_lost_md} published trades not on md.trades.v1.*`);

  for (const inst of instruments.values()) await compareCandles(run, inst, rows, f, note);
  await compareTickers(run, instruments, rows, f, note);
  await compareBooks(run, f, note);
  return f;
}

async function compareCandles(run: RunToCheck, inst: Instrument, rows: StoredTrade[], f: RunFigures, note: (s: string) => void): Promise<void> {
  const trades = tradeUnits(inst, rows);
  for (const interval of INTERVAL_NAMES) {
    const stored = (
      await run.stores.pg.query(
        `SELECT open_time, close_time, open::text, high::text, low::text, close::text, volume::text, quote_volume::text, trade_count
         FROM candles WHERE symbol = $1 AND interval = $2 ORDER BY open_time`,
        [inst.symbol, interval],
      )
    ).rows;
    if (!stored.length) continue;
    const until = Number(stored[stored.length - 1].close_time) + 1;
    const expected = new Map(candlesFromTrades(trades, interval, until).map((c) => candleView(inst, c)).map((c) => [String(c.open_time), c]));
    const fields = ['open', 'high', 'low', 'close', 'volume', 'quote_volume', 'trade_count'] as const;
    for (const row of stored) {
      f.candles_checked++;
      const e = expected.get(String(row.open_time));
      expected.delete(String(row.open_time));
      const differs = !e || fields.some((k) => String(row[k]) !== String(e[k]));
      if (differs) {
        f.candles_differing++;
        note(`${inst.symbol} ${interval} ${String(row.open_time)}: stored ${fields.map((k) => row[k]).join('/')}, recomputed ${e ? fields.map((k) => e[k]).join('/') : 'none'}`);
      }
    }
    // a candle the trades make but the store lacks (between its first and last stored candle)
    for (const [openTime] of expected) {
      if (Number(openTime) < Number(stored[0].open_time)) continue;
      f.candles_checked++;
      f.candles_differing++;
      note(`${inst.symbol} ${interval} ${openTime}: recomputed, not stored`);
    }
  }
}


/** The last md.ticker24h.v1 of each symbol against a recomputation over the stored trades (a run is shorter than 24 h of engine time unless it says otherwise). */
async function compareTickers(run: RunToCheck, instruments: Map<string, Instrument>, rows: StoredTrade[], f: RunFigures, note: (s: string) => void): Promise<void> {
  const last = new Map<string, TickerMsg>();
  for (const m of await readTopics(run.kafka, [`${run.prefix}md.ticker24h.v1`], 300_000)) {
    const v = await run.decoder.decode<TickerMsg>(m.value);
    last.set(v.symbol, v);
  }
  for (const [symbol, inst] of instruments) {
    const trades = tradeUnits(inst, rows);
    const t = last.get(symbol);
    if (!t || !trades.length) continue;
    const lastTs = trades[trades.length - 1]!.ts;
    const reference = new RollingTicker();
    for (const x of trades) if (x.ts > lastTs - 86_400_000) reference.addTrade(x.price, x.quantity, x.ts);
    const s = reference.stats(lastTs);
    const want = [inst.tick.format(s.open!), inst.tick.format(s.high!), inst.tick.format(s.low!), inst.tick.format(s.last!), inst.lot.format(s.volume), quoteAmount(inst, s.quoteVolume), String(s.count)];
    const got = [t.open, t.high, t.low, t.last, t.volume, t.quote_volume, String(t.trade_count)];
    f.tickers_checked++;
    if (want.join('/') !== got.join('/')) {
      f.tickers_differing++;
      note(`${symbol} 24h ticker ${got.join('/')}, recomputed ${want.join('/')}`);
    }
  }
}

interface Depth {
  seq: number;
  bids: [string, string][];
  asks: [string, string][];
}

async function compareBooks(run: RunToCheck, f: RunFigures, note: (s: string) => void): Promise<void> {
  const engine = await engineFinalBooks(run.kafka, run.decoder, run.prefix);
  for (const [symbol, snap] of engine) {
    const want = JSON.stringify({ seq: snap.sequence, bids: snap.bids.map((l) => [l.price, l.quantity]), asks: snap.asks.map((l) => [l.price, l.quantity]) });
    for (const svc of run.servers) {
      let got = '';
      const read = async () => {
        const d = (await (await fetch(`${svc.baseUrl}/v1/depth?symbol=${symbol}&depth=5000`)).json()) as Depth;
        got = JSON.stringify({ seq: d.seq, bids: d.bids, asks: d.asks });
        return got === want;
      };
      await waitUntil(`${symbol} at the engine's final book`, read, 30_000, 250).catch(() => undefined);
      f.books_checked++;
      if (got !== want) {
        f.books_differing++;
        note(`${symbol} on :${svc.httpPort}: ${got.slice(0, 120)} against the engine's ${want.slice(0, 120)}`);
      }
    }
  }
}
