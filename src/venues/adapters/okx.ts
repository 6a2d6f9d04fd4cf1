// OKX: REST api/v5, WebSocket /ws/v5/public channels `books` (seqId/prevSeqId chain, CRC-32 per
// message), `trades`, `tickers`; text "ping"/"pong" keepalive. ccxt appends `/public`. ccxt checks
// the seqId chain but not the checksum: the verifier does. Spot and USDT perpetuals (swaps,
// BTC/USDT:USDT; their sizes are the venue's contracts, ccxt's `contractSize` base units each).
// A swap's funding comes from three channels, combined here: `funding-rate` (the rate and the
// funding time, pushed rarely), `mark-price` and `index-tickers` (of the index, the spot id);
// `liquidation-orders` is subscribed by instrument type and filtered by ccxt.
import type { Exchange } from 'ccxt';
import type { VenueAdapter, VenueFunding } from '../venue.js';
import { okxChecksumVerifier } from '../verifiers.js';

/** An OKX liquidation: the order's side, the bankruptcy price, the size in contracts, the time. */
interface LiquidationDetail {
  side?: string;
  bkPx?: string;
  sz?: string;
  ts?: string;
}

type Channel = 'rate' | 'mark' | 'index';

/** The latest of each channel of one swap, kept by pumps that each wait on one ccxt watch at a time. */
class SwapFunding {
  mark?: string;
  index?: string;
  rate?: string;
  fundingTime?: number;
  ts = 0;
  error: Error | undefined;
  private readonly running = new Set<Channel>();
  private waiters: (() => void)[] = [];

  constructor(
    private readonly ex: OkxWatchers,
    private readonly symbol: string,
  ) {}

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  private pump(channel: Channel): void {
    if (this.running.has(channel)) return;
    this.running.add(channel);
    const index = this.symbol.split(':')[0]!;
    void (async () => {
      try {
        for (;;) {
          if (channel === 'rate') {
            const i = (await this.ex.watchFundingRate(this.symbol)).info ?? {};
            this.rate = i.fundingRate;
            this.fundingTime = Number(i.fundingTime);
            this.ts = Math.max(this.ts, Number(i.ts));
          } else if (channel === 'mark') {
            const i = (await this.ex.watchMarkPrice(this.symbol)).info ?? {};
            this.mark = i.markPx;
            this.ts = Math.max(this.ts, Number(i.ts));
          } else {
            const i = (await this.ex.watchTicker(index, { channel: 'index-tickers' })).info ?? {};
            this.index = i.idxPx;
            this.ts = Math.max(this.ts, Number(i.ts));
          }
          this.wake();
        }
      } catch (err) {
        this.error = err as Error;
        this.wake();
      } finally {
        this.running.delete(channel);
      }
    })();
  }

  /** The next update of any channel, once every channel has spoken. */
  async next(): Promise<VenueFunding> {
    for (;;) {
      for (const c of ['rate', 'mark', 'index'] as const) this.pump(c);
      if (this.error) {
        const err = this.error;
        this.error = undefined;
        throw err;
      }
      await new Promise<void>((r) => this.waiters.push(r));
      if (this.error) continue;
      if (this.mark !== undefined && this.index !== undefined && this.rate !== undefined && this.fundingTime !== undefined) {
        return { markPrice: this.mark, indexPrice: this.index, fundingRate: this.rate, nextFundingTime: this.fundingTime, timestamp: this.ts };
      }
    }
  }
}

interface OkxWatchers {
  watchFundingRate(s: string): Promise<{ info?: { fundingRate?: string; fundingTime?: string; ts?: string } }>;
  watchMarkPrice(s: string): Promise<{ info?: { markPx?: string; ts?: string } }>;
  watchTicker(s: string, params: { channel: string }): Promise<{ info?: { idxPx?: string; ts?: string } }>;
}

const swaps = new WeakMap<Exchange, Map<string, SwapFunding>>();

export const okx: VenueAdapter = {
  id: 'okx',
  ccxtId: 'okx',
  kinds: ['book', 'trades', 'ticker', 'funding', 'liquidations'],
  // OKX pushes the funding rate every 30 to 90 s, the mark price when it moves; liquidations come when the market moves hard
  intervalMs: { book: 1000, trades: 30_000, ticker: 2000, funding: 2000, liquidations: 600_000 },
  options: { fetchMarkets: { types: ['spot', 'swap'] }, fetchCurrencies: false },
  urls: (base) => ({ api: { rest: base, ws: `${base.replace(/^http/, 'ws')}/ws/v5` } }),
  verifier: okxChecksumVerifier,
  funding: {
    // OKX USDT swaps: every 8 hours, interest 0.01 % per interval (0.03 % a day), as documented
    fundingIntervalHours: 8,
    interestRate: '0.0001',
    watch(ex, symbol) {
      const bySymbol = swaps.get(ex) ?? new Map<string, SwapFunding>();
      swaps.set(ex, bySymbol);
      let f = bySymbol.get(symbol);
      if (!f) bySymbol.set(symbol, (f = new SwapFunding(ex as unknown as OkxWatchers, symbol)));
      return f.next();
    },
    // no unwatch: ccxt has none for funding-rate and mark-price (it would never see them end and
    // never subscribe again): they run until the venue's last stream closes its ccxt instance
  },
  liquidations: {
    async watch(ex, symbol) {
      const list = await (ex as unknown as { watchLiquidations(s: string): Promise<{ info?: { details?: LiquidationDetail[] } }[]> }).watchLiquidations(symbol);
      return list.flatMap(({ info }) =>
        (info?.details ?? []).map((d) => ({ side: d.side === 'buy' ? 'buy' : d.side === 'sell' ? 'sell' : (String(d.side) as 'buy'), price: d.bkPx!, avgPrice: undefined, quantity: d.sz!, timestamp: Number(d.ts) })),
      );
    },
  },
};
