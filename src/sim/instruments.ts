import type { InstrumentSpec } from '../domain/instrument.js';

interface Listing {
  spec: InstrumentSpec;
  /** Starting price, a multiple of the tick size. */
  price: string;
  /** Typical order size in lots. */
  typicalLots: number;
}

const perp = (symbol: string, base: string, tickSize: string, lotSize: string): InstrumentSpec => ({
  symbol,
  base,
  quote: 'USDT',
  kind: 'perpetual',
  status: 'trading',
  tickSize,
  lotSize,
  perpetual: { indexSymbol: `${base}USDT-INDEX`, fundingIntervalHours: 8, interestRate: '0.0001' },
});
const spot = (symbol: string, base: string, tickSize: string, lotSize: string): InstrumentSpec => ({
  symbol,
  base,
  quote: 'USDT',
  kind: 'spot',
  status: 'trading',
  tickSize,
  lotSize,
});

const LISTED: Listing[] = [
  { spec: perp('BTCUSDT-PERP', 'BTC', '0.1', '0.001'), price: '64000.0', typicalLots: 50 },
  { spec: perp('ETHUSDT-PERP', 'ETH', '0.01', '0.01'), price: '3400.00', typicalLots: 40 },
  { spec: perp('SOLUSDT-PERP', 'SOL', '0.001', '0.1'), price: '150.000', typicalLots: 30 },
  { spec: spot('BTCUSDT', 'BTC', '0.01', '0.00001'), price: '64000.00', typicalLots: 2000 },
  { spec: spot('ETHUSDT', 'ETH', '0.01', '0.0001'), price: '3400.00', typicalLots: 1000 },
  { spec: perp('XRPUSDT-PERP', 'XRP', '0.0001', '1'), price: '0.6000', typicalLots: 500 },
  { spec: perp('DOGEUSDT-PERP', 'DOGE', '0.00001', '1'), price: '0.15000', typicalLots: 2000 },
  { spec: perp('BNBUSDT-PERP', 'BNB', '0.01', '0.01'), price: '580.00', typicalLots: 50 },
  { spec: spot('ADAUSDT', 'ADA', '0.0001', '1'), price: '0.4500', typicalLots: 800 },
  { spec: perp('AVAXUSDT-PERP', 'AVAX', '0.001', '0.1'), price: '35.000', typicalLots: 40 },
];

/** The first `n` listings: ten real-looking markets, then generated ones (SYM11USDT-PERP, ...). */
export function listings(n: number): Listing[] {
  const out = LISTED.slice(0, n);
  for (let i = out.length + 1; out.length < n; i++) {
    out.push({ spec: perp(`SYM${i}USDT-PERP`, `SYM${i}`, '0.01', '0.01'), price: `${10 + i}.00`, typicalLots: 30 });
  }
  return out;
}

export type { Listing };
