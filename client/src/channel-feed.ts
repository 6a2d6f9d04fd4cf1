// Subscriptions to the value channels (trades, ticker, klines, mark, index, funding): each data
// frame's values pushed in order; resubscribed as they were after a reconnect.
import type { Channel, DataFrame, SubscribedFrame } from '../../src/contract/ws-frames.js';
import type { Connection, Subscription } from './connection.js';
import type { MarketDataError } from './errors.js';
import { Stream } from './stream.js';

export class ChannelFeed<T> extends Stream<T> implements Subscription {
  constructor(
    conn: Connection,
    private readonly channel: Channel,
    readonly symbol: string,
    private readonly values: (f: DataFrame) => readonly T[],
  ) {
    super({}, () => conn.remove(this));
    conn.add(this);
  }

  request() {
    return { channel: this.channel, symbol: this.symbol };
  }

  onSubscribed(_f: SubscribedFrame): void {
    this.accepted();
  }

  onRefused(err: MarketDataError): void {
    this.fail(err);
  }

  onFrame(f: DataFrame): void {
    for (const v of this.values(f)) this.push(v);
  }
}
