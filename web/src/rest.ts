// The REST calls the page makes (/v1/symbols, /v1/klines, /v1/trades), through the client library.
import { rest, type Candle, type Instrument } from '@market-data/client';
import type { TapeTrade } from './trades-view.js';

export type SymbolInfo = Instrument;
export type Kline = Candle;

const api = rest(location.origin);

export const fetchSymbols = async (): Promise<SymbolInfo[]> => (await api.symbols()).symbols;

export const fetchKlines = async (symbol: string, interval: Candle['interval'], limit = 500): Promise<Kline[]> => (await api.klines({ symbol, interval, limit })).klines;

export const fetchTrades = async (symbol: string, limit = 40): Promise<TapeTrade[]> => (await api.trades(symbol, limit)).trades;
