// Every venue the service can follow. A venue is one file beside this one and a line here.
import type { VenueAdapter } from '../venue.js';
import { binance } from './binance.js';
import { binanceusdm } from './binanceusdm.js';
import { bitfinex } from './bitfinex.js';
import { bybit } from './bybit.js';
import { coinbase } from './coinbase.js';
import { kraken } from './kraken.js';
import { okx } from './okx.js';

export const VENUES: Readonly<Record<string, VenueAdapter>> = { binance, binanceusdm, okx, bybit, kraken, bitfinex, coinbase };
