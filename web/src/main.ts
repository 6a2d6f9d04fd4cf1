// The live explorer: the composition of the page. It uses only the public API, through the client
// library (client/): /v1/symbols, /v1/klines and /v1/trades over REST, everything else over one
// WebSocket, the book verified by the library after every message.
import { connect, type BookFeed, type ChannelFeed, type Interval, type StateEvent } from '@market-data/client';
import { CandleChart } from './chart-view.js';
import { Increment } from '../../src/domain/decimal.js';
import { splitVenueSymbol } from '../../src/venues/venue.js';
import { $, el, setStale } from './dom.js';
import { renderLadder } from './ladder-view.js';
import { MarketPanel } from './panel-view.js';
import { fetchKlines, fetchSymbols, fetchTrades, type SymbolInfo } from './rest.js';
import { TradesTape } from './trades-view.js';
import { AcrossVenues } from './across-view.js';

const INTERVALS: Interval[] = ['1m', '5m', '15m', '1h', '4h', '1d'];
const GROUPINGS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];
/** A book with no message for this long (while connected) is shown as stale. */
const BOOK_STALE_MS = 5000;

let symbols: SymbolInfo[] = [];
let current: SymbolInfo | undefined;
/** The current instrument's increments: exact sizes and prices for the ladder. */
let tick = Increment.parse('1');
let lot = Increment.parse('1');
let interval: Interval = '1m';
let prec = '';
const tape = new TradesTape($('trades'));
const panel = new MarketPanel();
const chart = new CandleChart($('chart'));
const across = new AcrossVenues($('across'));
let acrossFeeds: BookFeed[] = [];
/** The exchange's own symbols have no venue prefix; outside venues' are `venue:BASE/QUOTE`. */
const OWN = 'exchange';
const venueOf = (symbol: string) => splitVenueSymbol(symbol)?.venue ?? OWN;
let dirty = false;
let klineLoad = 0;
let bookUpdatedAt = 0;
let counted = 0;
let rate = 0;
let everOpen = false;
/** A reconnect happened: reload the REST history once the book shows the server serves the symbol. */
let reloadWhenServed = false;

const client = connect(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
client.connection.onFrame(() => counted++);
client.onState((e: StateEvent) => {
  const shown = e.state === 'open' ? 'live' : e.state === 'connecting' && !everOpen ? 'connecting' : 'reconnecting';
  $('conn').dataset.state = shown;
  $('conn-state').textContent = shown;
  if (e.state !== 'open') return;
  // what was missed while away comes back from REST (candles with the history, the latest trades)
  // once the server serves the symbol again: a restarted one may not know it yet when it answers
  if (everOpen && current) reloadWhenServed = true;
  everOpen = true;
});

let book: BookFeed | undefined;
let kline: ChannelFeed<unknown> | undefined;
let feeds: { close(): void }[] = [];

function openBook(s: SymbolInfo): void {
  book?.close();
  const feed = client.book(s.symbol, { prec });
  book = feed;
  feed.on(() => {
    bookUpdatedAt = Date.now();
    dirty = true;
    if (reloadWhenServed) {
      reloadWhenServed = false;
      void loadKlines();
      void loadTrades();
    }
  });
  dirty = true;
}

function openKlines(s: SymbolInfo): void {
  kline?.close();
  const feed = client.klines(s.symbol, interval);
  feed.on((k) => chart.update(k));
  kline = feed;
}

function subscribeAll(s: SymbolInfo): void {
  openBook(s);
  openKlines(s);
  const trades = client.trades(s.symbol);
  trades.on((t) => {
    tape.merge([t]);
    dirty = true;
  });
  const ticker = client.ticker(s.symbol);
  ticker.on((t) => panel.ticker(t));
  feeds = [trades, ticker];
  if (s.perpetual) {
    const mark = client.mark(s.symbol);
    mark.on((m) => panel.mark(m));
    const index = client.index(s.symbol);
    index.on((i) => panel.index(i));
    const funding = client.funding(s.symbol);
    funding.on((f) => panel.funding(f));
    feeds.push(mark, index, funding);
  }
}

function unsubscribeAll(): void {
  for (const f of [...feeds, ...acrossFeeds, book, kline]) f?.close();
  feeds = [];
  acrossFeeds = [];
  book = kline = undefined;
}

/** The same BASE/QUOTE and kind on every venue (and on the exchange itself): their tops of book side by side. */
function openAcross(s: SymbolInfo): void {
  const peers = symbols.filter((p) => p.base === s.base && p.quote === s.quote && p.kind === s.kind).map((p) => p.symbol);
  $('across-box').hidden = peers.length < 2;
  across.clear(peers);
  if (peers.length < 2) return;
  acrossFeeds = peers.map((p) => {
    const f = client.book(p, { depth: 1 });
    f.on((b) => {
      across.update(p, b);
      dirty = true;
    });
    return f;
  });
}

function fillSymbols(venue: string): void {
  $<HTMLSelectElement>('symbol').replaceChildren(...symbols.filter((s) => venueOf(s.symbol) === venue).map((s) => new Option(s.symbol)));
}

async function loadKlines(): Promise<void> {
  const load = ++klineLoad;
  const s = current!;
  const klines = await fetchKlines(s.symbol, interval).catch(() => undefined);
  if (load !== klineLoad || !klines) return; // a newer symbol or interval was chosen meanwhile
  chart.load(klines, interval);
}

async function loadTrades(): Promise<void> {
  const s = current!;
  const trades = await fetchTrades(s.symbol).catch(() => undefined);
  if (current !== s || !trades) return;
  tape.merge(trades);
  dirty = true;
}

function select(symbol: string): void {
  const next = symbols.find((s) => s.symbol === symbol) ?? symbols[0];
  if (!next) return;
  unsubscribeAll();
  current = next;
  prec = next.tick_size;
  tick = Increment.parse(next.tick_size);
  lot = Increment.parse(next.lot_size);
  tape.clear();
  panel.clear();
  chart.clear();
  $('perp-only').hidden = !next.perpetual;
  if ($<HTMLSelectElement>('venue').value !== venueOf(next.symbol)) {
    $<HTMLSelectElement>('venue').value = venueOf(next.symbol);
    fillSymbols(venueOf(next.symbol));
  }
  $<HTMLSelectElement>('symbol').value = next.symbol;
  $<HTMLSelectElement>('prec').replaceChildren(...GROUPINGS.map((k) => new Option(tick.format(k))));
  $('book').dataset.symbol = next.symbol;
  $('trades').dataset.symbol = next.symbol;
  $('chart').dataset.symbol = next.symbol;
  document.title = `${next.symbol} · market data`;
  history.replaceState(null, '', `#${next.symbol}/${interval}`);
  subscribeAll(next);
  openAcross(next);
  void loadKlines();
  void loadTrades();
  dirty = true;
}

function setInterval_(next: Interval): void {
  if (!current || next === interval) return;
  interval = next;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#intervals button')) b.classList.toggle('active', b.dataset.interval === next);
  history.replaceState(null, '', `#${current.symbol}/${interval}`);
  chart.clear();
  openKlines(current);
  void loadKlines();
}

function setPrec(next: string): void {
  if (!current || next === prec) return;
  prec = next;
  openBook(current);
}

/** At most ten frames a second, whatever the message rate. */
function render(): void {
  const b = book?.book;
  if (dirty && b) {
    dirty = false;
    renderLadder($('ladder'), b, tick, lot);
    across.render();
    const bookEl = $('book');
    bookEl.dataset.seq = String(b.seq);
    bookEl.dataset.status = b.status;
    // the library shows only books that passed their chain and checksum; breaks and mismatches it healed are counted
    bookEl.dataset.checksum = b.ready ? 'ok' : 'none';
    bookEl.title = `${book!.stats.messages} messages, ${book!.stats.chainBreaks} chain breaks, ${book!.stats.checksumMismatches} checksum mismatches (rebuilt)`;
    $('book-status').textContent = b.status === 'in_sync' ? `seq ${b.seq}` : b.status;
    tape.render();
  }
  const now = Date.now();
  const live = client.state === 'open';
  setStale($('book'), !live || !b?.ready || b.status !== 'in_sync' || now - bookUpdatedAt > BOOK_STALE_MS);
  setStale($('trades-box'), !live);
  setStale($('chart-box'), !live);
  $('rate').textContent = `${rate} msg/s`;
}

async function start(): Promise<void> {
  $('intervals').replaceChildren(
    ...INTERVALS.map((i) => {
      const b = el('button', i === interval ? 'active' : '', i);
      b.dataset.interval = i;
      b.onclick = () => setInterval_(i);
      return b;
    }),
  );
  $<HTMLSelectElement>('symbol').onchange = (e) => select((e.target as HTMLSelectElement).value);
  $<HTMLSelectElement>('venue').onchange = (e) => {
    const venue = (e.target as HTMLSelectElement).value;
    fillSymbols(venue);
    const first = symbols.find((s) => venueOf(s.symbol) === venue);
    if (first) select(first.symbol);
  };
  $<HTMLSelectElement>('prec').onchange = (e) => setPrec((e.target as HTMLSelectElement).value);
  for (;;) {
    symbols = await fetchSymbols().catch(() => []);
    if (symbols.length) break;
    $('conn-state').textContent = 'waiting for symbols';
    await new Promise((r) => setTimeout(r, 1000));
  }
  const venues = [...new Set(symbols.map((s) => venueOf(s.symbol)))].sort((a, b) => (a === OWN ? -1 : b === OWN ? 1 : a.localeCompare(b)));
  $<HTMLSelectElement>('venue').replaceChildren(...venues.map((v) => new Option(v)));
  $('venue').hidden = venues.length < 2;
  fillSymbols(venues[0]!);
  // the hash is `symbol/interval`; a venue symbol has a slash of its own (binance:BTC/USDT/1m)
  const hash = decodeURIComponent(location.hash.slice(1));
  const cut = hash.lastIndexOf('/');
  const [hashSymbol, hashInterval] = cut > 0 && (INTERVALS as string[]).includes(hash.slice(cut + 1)) ? [hash.slice(0, cut), hash.slice(cut + 1)] : [hash || undefined, undefined];
  if (hashInterval && (INTERVALS as string[]).includes(hashInterval)) interval = hashInterval as Interval;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#intervals button')) b.classList.toggle('active', b.dataset.interval === interval);
  select(hashSymbol ?? symbols.find((s) => venueOf(s.symbol) === venues[0])!.symbol);
  setInterval(render, 100);
  setInterval(() => {
    rate = counted;
    counted = 0;
  }, 1000);
  setInterval(() => panel.tick(Date.now(), client.state === 'open'), 1000);
}

void start();
