// Turns a client's (channel, symbol, prec) into the stream it reads, or a ProtocolError saying
// why not. Shared by the WebSocket and SSE, so both accept and refuse the same things.
import type { MarketView } from '../market/market-view.js';
import { BOOK_GROUPS, streamKey, type Channel } from './channels.js';
import { ProtocolError } from './ws-protocol.js';

export interface ResolvedStream {
  key: string;
  channel: Channel;
  /** The symbol the stream is about (for `index`: the index symbol behind a perpetual). */
  symbol: string;
  /** Book price grouping in ticks. */
  group: number;
  prec?: string;
}

export function resolveStream(state: MarketView, channel: Channel, symbol: string, prec: string | undefined, id?: unknown): ResolvedStream {
  const inst = state.instrument(symbol);
  if (!inst) {
    // an index can be asked for by its own name too
    if (channel === 'index') {
      const perp = state.symbols().find((s) => state.instrument(s)?.perpetual?.indexSymbol === symbol);
      if (perp) return { key: streamKey('index', symbol), channel, symbol, group: 1 };
    }
    throw new ProtocolError('unknown_symbol', `unknown symbol ${JSON.stringify(symbol)}`, id);
  }
  if (channel === 'mark' || channel === 'funding' || channel === 'index' || channel === 'liquidations') {
    if (!inst.perpetual) throw new ProtocolError('unknown_symbol', `${symbol} is not a perpetual: it has no ${channel}`, id);
    const target = channel === 'index' ? inst.perpetual.indexSymbol : symbol;
    return { key: streamKey(channel, target), channel, symbol: target, group: 1 };
  }
  if (channel !== 'book') return { key: streamKey(channel, symbol), channel, symbol, group: 1 };
  let group = 1;
  if (prec !== undefined) {
    let units: number;
    try {
      units = inst.tick.toUnits(prec);
    } catch {
      throw new ProtocolError('bad_prec', `prec ${prec} is not a multiple of ${symbol}'s tick ${inst.tickSize}`, id);
    }
    if (!(BOOK_GROUPS as readonly number[]).includes(units)) {
      throw new ProtocolError('bad_prec', `prec for ${symbol} must be one of ${BOOK_GROUPS.map((g) => inst.tick.format(g)).join(', ')}`, id);
    }
    group = units;
  }
  return { key: streamKey('book', symbol, group), channel, symbol, group, prec: inst.tick.format(group) };
}
