// The REST calls the page makes (/v1/symbols, /v1/klines, /v1/trades).
import type { TapeTrade } from './trades-view.js';
export interface SymbolInfo {
  symbol: string;
  base: string;
  quote: string;
  kind: 'spot' | 'perpetual';
  status: string;
  book_status: string;
  tick_size: string;
  lot_size: string;
  perpetual: { index_symbol: string; funding_interval_hours: number } | null;
}

export interface Kline {
  open_time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  closed: boolean;
}

async function get<T>(path: string): Promise<T> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

export const fetchSymbols = async (): Promise<SymbolInfo[]> => (await get<{ symbols: SymbolInfo[] }>('/v1/symbols')).symbols;

export const fetchKlines = async (symbol: string, interval: string, limit = 500): Promise<Kline[]> =>
  (await get<{ klines: Kline[] }>(`/v1/klines?symbol=${encodeURIComponent(symbol)}&interval=${interval}&limit=${limit}`)).klines;

export const fetchTrades = async (symbol: string, limit = 40): Promise<TapeTrade[]> =>
  (await get<{ trades: TapeTrade[] }>(`/v1/trades?symbol=${encodeURIComponent(symbol)}&limit=${limit}`)).trades;
