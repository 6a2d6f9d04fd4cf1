// The live explorer: the composition of the page. It uses only the public API: /v1/symbols and
// /v1/klines over REST, everything else over one WebSocket.
import { ClientBook, type BookMessage } from './book.js';
import { CandleChart } from './chart-view.js';
import { MarketConnection, type ServerMessage } from './connection.js';
import { Increment } from '../../src/domain/decimal.js';
import { $, el, setStale } from './dom.js';
import { renderLadder } from './ladder-view.js';
import { MarketPanel, type TickerData } from './panel-view.js';
import { fetchKlines, fetchSymbols, fetchTrades, type Kline, type SymbolInfo } from './rest.js';
import { TradesTape, type TapeTrade } from './trades-view.js';

const INTERVALS = ['1m', '5m', '15m', '1h', '4h', '1d'];
const GROUPINGS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];
/** A book with no message for this long (while connected) is shown as stale. */
const BOOK_STALE_MS = 5000;

let symbols: SymbolInfo[] = [];
let current: SymbolInfo | undefined;
/** The current instrument's increments: exact sizes and prices for the ladder. */
let tick = Increment.parse('1');
let lot = Increment.parse('1');
let interval = '1m';
let prec = '';
const book = new ClientBook();
const tape = new TradesTape($('trades'));
const panel = new MarketPanel();
const chart = new CandleChart($('chart'));
let dirty = false;
let klineLoad = 0;

const conn = new MarketConnection(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`, onMessage, (s) => {
  $('conn').dataset.state = s;
  $('conn-state').textContent = s;
  // what was missed while away comes back from REST: candles with the history, the latest trades
  if (s === 'live' && current) {
    void loadKlines();
    void loadTrades();
  }
});

function onMessage(m: ServerMessage): void {
  if (m.type === 'error') {
    console.warn('server error', m);
    return;
  }
  // late messages of the previous symbol are dropped (index messages are named after the index)
  if (!current || (m.symbol !== current.symbol && m.symbol !== current.perpetual?.index_symbol)) return;
  switch (m.type) {
    case 'book': {
      const b = m as unknown as BookMessage;
      if (b.prec !== prec && b.action !== 'status') return; // the previous grouping's last messages
      if (book.apply(b) === 'chain_break') resubscribeBook();
      dirty = true;
      break;
    }
    case 'trades':
      tape.merge(m.data as TapeTrade[]);
      dirty = true;
      break;
    case 'kline':
      if (m.interval === interval) chart.update(m.data as Kline);
      break;
    case 'ticker':
      panel.ticker(m.data as TickerData);
      break;
    case 'mark':
      panel.mark(m.data as { mark_price: string | null; stale: boolean });
      break;
    case 'index':
      panel.index(m.data as { price: string | null; stale: boolean; sources_used: string[] });
      break;
    case 'funding':
      panel.funding(m.data as { funding_rate: string; next_funding_time: number });
      break;
  }
}

function streams(s: SymbolInfo): string[] {
  return ['book', 'trades', 'ticker', `kline:${interval}`, ...(s.perpetual ? ['mark', 'index', 'funding'] : [])];
}

function subscribeAll(s: SymbolInfo): void {
  for (const channel of streams(s)) {
    if (channel === 'book') conn.subscribe({ channel, symbol: s.symbol, prec, resumeSeq: () => (book.seq >= 0 ? book.seq : undefined) });
    else conn.subscribe({ channel, symbol: s.symbol });
  }
}

function resubscribeBook(): void {
  book.reset();
  conn.unsubscribe('book', current!.symbol);
  conn.subscribe({ channel: 'book', symbol: current!.symbol, prec, resumeSeq: () => (book.seq >= 0 ? book.seq : undefined) });
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
  if (current) for (const channel of streams(current)) conn.unsubscribe(channel, current.symbol);
  current = next;
  prec = next.tick_size;
  tick = Increment.parse(next.tick_size);
  lot = Increment.parse(next.lot_size);
  book.reset(tick);
  tape.clear();
  panel.clear();
  chart.clear();
  $('perp-only').hidden = !next.perpetual;
  $<HTMLSelectElement>('symbol').value = next.symbol;
  $<HTMLSelectElement>('prec').replaceChildren(...GROUPINGS.map((k) => new Option(tick.format(k))));
  $('book').dataset.symbol = next.symbol;
  $('trades').dataset.symbol = next.symbol;
  $('chart').dataset.symbol = next.symbol;
  document.title = `${next.symbol} · market data`;
  history.replaceState(null, '', `#${next.symbol}/${interval}`);
  subscribeAll(next);
  void loadKlines();
  void loadTrades();
  dirty = true;
}

function setInterval_(next: string): void {
  if (!current || next === interval) return;
  conn.unsubscribe(`kline:${interval}`, current.symbol);
  interval = next;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#intervals button')) b.classList.toggle('active', b.dataset.interval === next);
  history.replaceState(null, '', `#${current.symbol}/${interval}`);
  chart.clear();
  conn.subscribe({ channel: `kline:${interval}`, symbol: current.symbol });
  void loadKlines();
}

function setPrec(next: string): void {
  if (!current || next === prec) return;
  prec = next;
  resubscribeBook();
}

/** At most ten frames a second, whatever the message rate. */
function render(): void {
  if (dirty) {
    dirty = false;
    const ladder = $('ladder');
    renderLadder(ladder, book, tick, lot);
    const bookEl = $('book');
    bookEl.dataset.seq = String(book.seq);
    bookEl.dataset.status = book.status;
    bookEl.dataset.checksum = book.seq < 0 ? 'none' : book.verify() ? 'ok' : 'mismatch';
    $('book-status').textContent = book.status === 'in_sync' ? `seq ${book.seq}` : book.status;
    tape.render();
  }
  const now = Date.now();
  const live = conn.state === 'live';
  setStale($('book'), !live || book.seq < 0 || book.status !== 'in_sync' || now - book.updatedAt > BOOK_STALE_MS);
  setStale($('trades-box'), !live);
  setStale($('chart-box'), !live);
  $('rate').textContent = `${conn.rate} msg/s`;
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
  $<HTMLSelectElement>('prec').onchange = (e) => setPrec((e.target as HTMLSelectElement).value);
  for (;;) {
    symbols = await fetchSymbols().catch(() => []);
    if (symbols.length) break;
    $('conn-state').textContent = 'waiting for symbols';
    await new Promise((r) => setTimeout(r, 1000));
  }
  $<HTMLSelectElement>('symbol').replaceChildren(...symbols.map((s) => new Option(s.symbol)));
  const [hashSymbol, hashInterval] = decodeURIComponent(location.hash.slice(1)).split('/');
  if (hashInterval && INTERVALS.includes(hashInterval)) interval = hashInterval;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#intervals button')) b.classList.toggle('active', b.dataset.interval === interval);
  conn.connect();
  select(hashSymbol ?? symbols[0]!.symbol);
  setInterval(render, 100);
  setInterval(() => panel.tick(Date.now(), conn.state === 'live'), 1000);
}

void start();
