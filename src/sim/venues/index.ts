// The venue stand-ins, one per venue the service follows through ccxt pro; a new venue is a file
// beside this one and a line here.
import { BinanceStandIn } from './binance.js';
import { BitfinexStandIn } from './bitfinex.js';
import { BybitStandIn } from './bybit.js';
import { CoinbaseStandIn } from './coinbase.js';
import { KrakenStandIn } from './kraken.js';
import { OkxStandIn } from './okx.js';
import type { VenueStandIn } from './stand-in.js';

export const createVenueStandIns = (): VenueStandIn[] => [new BinanceStandIn(), new BinanceStandIn('usdm'), new OkxStandIn(), new BybitStandIn(), new KrakenStandIn(), new BitfinexStandIn(), new CoinbaseStandIn()];
