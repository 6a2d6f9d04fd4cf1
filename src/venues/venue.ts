// The contract of an outside venue followed through ccxt pro (as tardis-node's real-time feeds):
// which ccxt class, which kinds it streams, how often each normally speaks (the watchdog's
// yardstick), its ccxt options, and how its endpoints move onto a local stand-in or proxy.
// Adding a venue is one file in adapters/ and a line in adapters/index.ts.
import type { Exchange } from 'ccxt';
import type { BookVerifier } from './verifiers.js';

export type VenueKind = 'book' | 'trades' | 'ticker' | 'funding' | 'liquidations';
export const VENUE_KINDS: readonly VenueKind[] = ['book', 'trades', 'ticker', 'funding', 'liquidations'];

/** One mark-price and funding update of a venue perpetual, in the venue's own decimal strings. */
export interface VenueFunding {
  markPrice: string;
  indexPrice: string;
  /** The rate of the coming funding, e.g. "0.00010000". */
  fundingRate: string;
  nextFundingTime: number;
  /** The venue's time of the update (ms). */
  timestamp: number;
}

/** A forced liquidation of a venue perpetual, in the venue's own decimal strings. */
export interface VenueLiquidation {
  /** The liquidation order's side (sell: a long was closed). */
  side: 'buy' | 'sell';
  /** Its limit price (on the tick; bybit: the bankruptcy price) and the average price it filled at (undefined where the venue sends none). */
  price: string;
  avgPrice: string | undefined;
  /** The quantity filled. */
  quantity: string;
  timestamp: number;
}

/** How a kind ccxt does not unify exactly is watched on a venue, from its raw messages (a mapper, as tardis-node's). */
export interface VenueFeed<T> {
  watch(ex: Exchange, symbol: string): Promise<T>;
  unwatch?(ex: Exchange, symbol: string): Promise<unknown>;
}

/** How a venue's perpetuals are funded, and how its funding updates are watched. */
export interface VenueFundingFeed extends VenueFeed<VenueFunding> {
  fundingIntervalHours: number;
  /** The venue's interest rate per funding interval, as it documents it. */
  interestRate: string;
}

export interface VenueAdapter {
  /** The venue's name in venue symbols (`binance:BTC/USDT`) and the API. */
  id: string;
  /** The ccxt pro class. */
  ccxtId: string;
  kinds: readonly VenueKind[];
  /** The longest a healthy stream of each kind normally stays silent; the watchdog fires at twice it. */
  intervalMs: Partial<Record<VenueKind, number>>;
  /** ccxt constructor options (markets to load, channel choices). */
  options: Record<string, unknown>;
  /** ccxt `urls` overrides that point every REST and WebSocket endpoint at `base` (http://host:port/<id>). */
  urls(base: string): Record<string, unknown>;
  /** Book checks ccxt does not make for this venue (a fresh one per ccxt instance, which it may ask for markets). */
  verifier?: (ex: Exchange) => BookVerifier;
  /** The depth to subscribe to for a book stream of `depth` levels, for venues that offer only some depths (default: the venue's own). */
  bookLimit?: (depth: number) => number;
  /** The deepest book the venue streams (a stream asking for more is refused; default 1000). */
  maxDepth?: number;
  /**
   * For venues whose ccxt precision counts significant digits (bitfinex: 5), which no tick can
   * express: the most decimals a price and a size can have, as the venue documents them.
   */
  decimals?: { price: number; amount: number };
  /**
   * ccxt (bitfinex) keeps the venue's book across a resubscription and would apply the new snapshot
   * to it as an update, and hands a failed check's error to every later watch on that socket (the
   * venue itself refuses a second subscription of a channel: "subscribe: dup"). So after any failure
   * of a book stream ccxt's copy is dropped, and a failed check redials the socket.
   */
  rebuildOnFreshSocket?: boolean;
  /**
   * The venue subscription a kind rides on, where kinds share one (bybit: a perpetual's funding
   * comes from its tickers topic): the subscription is ended only when the last of them stops
   * (default: each kind its own).
   */
  subscriptionOf?: (kind: VenueKind) => string;
  /** Ends a book subscription where ccxt's unWatchOrderBook does not (default: unWatchOrderBook). */
  unwatchBook?: (ex: Exchange, symbol: string) => Promise<unknown>;
  /**
   * Ticker fields ccxt computes for this venue instead of reading them (coinbase: open and change
   * from the last price and the percentage), floats from floats: served as null, never as a guess.
   */
  tickerDerived?: readonly ('open' | 'change' | 'percentage' | 'quoteVolume')[];
  /**
   * Ticker fields computed exactly from the venue's own (ccxt's `info`) where ccxt turns an exact
   * product back into a float (kraken: quote volume = volume × vwap), as plain decimal strings.
   */
  tickerExact?: (info: unknown) => { quoteVolume?: string };
  /** Mark price and funding of the venue's perpetuals (kind `funding`). */
  funding?: VenueFundingFeed;
  /** Forced liquidations of the venue's perpetuals (kind `liquidations`). */
  liquidations?: VenueFeed<VenueLiquidation[]>;
}

/** A venue symbol: `venue:BASE/QUOTE` or `venue:BASE/QUOTE:SETTLE` (ccxt's unified symbol after the venue). */
export const venueSymbol = (venue: string, symbol: string): string => `${venue}:${symbol}`;

export function splitVenueSymbol(s: string): { venue: string; symbol: string } | undefined {
  const i = s.indexOf(':');
  if (i <= 0) return undefined;
  return { venue: s.slice(0, i), symbol: s.slice(i + 1) };
}

export const isVenueSymbol = (s: string): boolean => s.includes(':');
