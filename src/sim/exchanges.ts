// Local stand-ins for the public REST ticker endpoints of Binance, Coinbase Exchange, Kraken and
// OKX, in each exchange's own response format (as documented by the exchanges), so ccxt can be
// pointed at them on machines with no internet. Each exchange has a mode for tests:
// ok | down (HTTP 503) | garbage (malformed body) | hang (never answers) | frozen (answers,
// price stops moving) | off (price far from the others).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Random } from './random.js';
import { VenueServer } from './venues/venue-server.js';

export type ExchangeId = 'binance' | 'coinbaseexchange' | 'kraken' | 'okx';
export const EXCHANGES: ExchangeId[] = ['binance', 'coinbaseexchange', 'kraken', 'okx'];
export type Mode = 'ok' | 'down' | 'garbage' | 'hang' | 'frozen' | 'off';

interface Market {
  /** Price in units of 10^-decimals. */
  units: bigint;
  decimals: number;
}

/** Base assets and their starting prices (as the simulator's listings). */
const BASES: Record<string, string> = { BTC: '64000.00', ETH: '3400.00', SOL: '150.000', XRP: '0.6000', DOGE: '0.15000', BNB: '580.00', AVAX: '35.000', ADA: '0.4500' };

const fmt = (m: Market, bump = 0n) => {
  const s = (m.units + bump).toString().padStart(m.decimals + 1, '0');
  return m.decimals ? `${s.slice(0, -m.decimals)}.${s.slice(-m.decimals)}` : s;
};

export class FakeExchanges {
  private server: Server | undefined;
  private readonly modes = new Map<ExchangeId, Mode>(EXCHANGES.map((e) => [e, 'ok']));
  private readonly markets = new Map<string, Market>();
  private readonly frozen = new Map<string, Market>();
  private readonly rng: Random;
  private timer: NodeJS.Timeout | undefined;
  readonly requests = new Map<ExchangeId, number>(EXCHANGES.map((e) => [e, 0]));
  /** The venues' streaming APIs (ccxt pro), on the same port. */
  venues: VenueServer | undefined;

  constructor(
    seed = 1,
    /** Venue stand-ins' pace: a market step every stepMs, stepsPerTick at a time. */
    private readonly venuePace = { stepMs: 100, stepsPerTick: 1 },
  ) {
    this.rng = new Random(seed);
    for (const [base, price] of Object.entries(BASES)) {
      const decimals = price.split('.')[1]?.length ?? 0;
      this.markets.set(base, { units: BigInt(price.replace('.', '')), decimals });
    }
  }

  setMode(exchange: ExchangeId, mode: Mode): void {
    this.modes.set(exchange, mode);
    if (mode === 'frozen') for (const [b, m] of this.markets) this.frozen.set(`${exchange}/${b}`, { ...m });
  }

  /** The exchanges' common price of a base asset right now (for tests). */
  price(base: string): string | undefined {
    const m = this.markets.get(base);
    return m ? fmt(m) : undefined;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<number> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.venues = new VenueServer(this.venuePace.stepMs, undefined, this.venuePace.stepsPerTick);
    this.venues.attach(this.server);
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    // a small random walk, every 100 ms
    this.timer = setInterval(() => {
      for (const m of this.markets.values()) {
        const step = BigInt(this.rng.int(-2, 2));
        if (m.units + step > 0n) m.units += step;
      }
    }, 100);
    return (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.venues?.close();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private quote(exchange: ExchangeId, base: string): string | undefined {
    // any other base asset the simulator lists (SYM11, ...) trades around 100.00
    if (/^[A-Z0-9]{2,12}$/.test(base) && !this.markets.has(base)) this.markets.set(base, { units: 10000n, decimals: 2 });
    const m = this.modes.get(exchange) === 'frozen' ? this.frozen.get(`${exchange}/${base}`) : this.markets.get(base);
    if (!m) return undefined;
    // each venue a hair apart from the others; 'off' is 20 % away
    const spread = BigInt(EXCHANGES.indexOf(exchange) - 1);
    return this.modes.get(exchange) === 'off' ? fmt({ ...m, units: (m.units * 6n) / 5n }) : fmt(m, spread);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://local');
    const [, exchange, ...rest] = url.pathname.split('/');
    const path = `/${rest.join('/')}`;
    const id = exchange as ExchangeId;
    if (this.venues?.handle(req, res, url)) return;
    if (!EXCHANGES.includes(id)) return void res.writeHead(404).end();
    this.requests.set(id, (this.requests.get(id) ?? 0) + 1);
    const mode = this.modes.get(id)!;
    if (mode === 'hang') return; // never answers
    if (mode === 'down') return void res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(mode === 'garbage' ? '{"price": "NaN",' : JSON.stringify(body));
    };
    const now = Date.now();
    if (id === 'binance' && path === '/api/v3/ticker/price') {
      const base = (url.searchParams.get('symbol') ?? '').replace(/USDT$/, '');
      const p = this.quote(id, base);
      return p ? json({ symbol: `${base}USDT`, price: p }) : void res.writeHead(400).end('{"code":-1121,"msg":"Invalid symbol."}');
    }
    const cb = /^\/products\/([A-Z]+)-USDT?\/ticker$/.exec(path);
    if (id === 'coinbaseexchange' && cb) {
      const p = this.quote(id, cb[1]!);
      return p ? json({ trade_id: now, price: p, size: '0.01', time: new Date(now).toISOString(), bid: p, ask: p, volume: '1000' }) : void res.writeHead(404).end('{"message":"NotFound"}');
    }
    if (id === 'kraken' && path === '/0/public/Ticker') {
      const pair = url.searchParams.get('pair') ?? '';
      const base = pair.replace(/USDT$/, '').replace(/^XBT$/, 'BTC').replace(/^XDG$/, 'DOGE');
      const p = this.quote(id, base);
      return json(p ? { error: [], result: { [pair]: { a: [p, '1', '1.000'], b: [p, '1', '1.000'], c: [p, '0.01'], v: ['1', '1'], t: [1, 1] } } } : { error: ['EQuery:Unknown asset pair'] });
    }
    if (id === 'okx' && path === '/api/v5/market/ticker') {
      const base = (url.searchParams.get('instId') ?? '').replace(/-USDT$/, '');
      const p = this.quote(id, base);
      return json(p ? { code: '0', msg: '', data: [{ instType: 'SPOT', instId: `${base}-USDT`, last: p, ts: String(now) }] } : { code: '51001', msg: 'Instrument ID does not exist', data: [] });
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  }
}
