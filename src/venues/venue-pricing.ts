// A venue perpetual's mark, index and funding as this service serves them, from the venue's
// funding update: built in one place for the process that follows the venue and for an edge that
// reads md.venue.funding.v1, so both serve the same values. Pure.
import type { Instrument } from '../domain/instrument.js';
import type { PricingOutput } from '../pricing/pricing-worker.js';
import { splitVenueSymbol, type VenueFunding } from './venue.js';

export function venuePricing(symbol: string, terms: NonNullable<Instrument['perpetual']>, f: VenueFunding, receivedAt: number): PricingOutput {
  const timestamp = f.timestamp;
  return {
    marks: [{ symbol, index_symbol: terms.indexSymbol, mark_price: f.markPrice, index_price: f.indexPrice, premium_ema: null, stale: false, timestamp }],
    indices: [{ index_symbol: terms.indexSymbol, price: f.indexPrice, stale: false, timestamp, sources_used: [splitVenueSymbol(symbol)?.venue ?? symbol], sources_excluded: [] }],
    funding: [
      {
        symbol,
        funding_rate: f.fundingRate,
        premium_rate_avg: null,
        interest_rate: terms.interestRate,
        next_funding_time: f.nextFundingTime,
        countdown_seconds: Math.max(0, Math.round((f.nextFundingTime - receivedAt) / 1000)),
        timestamp,
      },
    ],
  };
}
