// One decoded engine event into the state, traced 1 in N (md.process_trade / md.process_book_delta,
// with a debug line carrying the trace_id). The first traced event since the last take is kept:
// the broadcast and the store writes of that take continue its trace.
import type { Context } from '@opentelemetry/api';
import type { WireEngineEvent } from '../contract/engine-wire.js';
import type { Logger } from '../obs/logger.js';
import type { Tracing } from '../obs/tracing.js';
import type { MarketState } from './market-state.js';

export class EventStep {
  private traced: Context | undefined;

  constructor(
    private readonly state: MarketState,
    private readonly tracing: Tracing,
    private readonly log: Logger,
  ) {}

  run(e: WireEngineEvent, now: number, partition: number, offset: number): void {
    if (!this.tracing.sampled()) {
      this.state.onEvent(e, now, { partition, offset });
      return;
    }
    const latencyUs = e.send_time_us > 0 ? Math.max(0, Math.round((performance.timeOrigin + performance.now()) * 1000 - e.send_time_us)) : undefined;
    const fields = { symbol: e.symbol, event_type: e.kind, sequence: e.sequence, latency_us: latencyUs };
    const span = this.tracing.start(e.kind === 'TRADE' ? 'md.process_trade' : 'md.process_book_delta', {
      ...fields,
      'messaging.kafka.partition': partition,
      'messaging.kafka.offset': offset,
    });
    this.tracing.run(span, () => {
      this.state.onEvent(e, now, { partition, offset });
      this.log.debug(fields, 'engine event processed');
    });
    if (span && !this.traced) this.traced = this.tracing.contextOf(span);
  }

  /** The trace to continue with the outputs being taken now (undefined when no event was traced). */
  takeTraced(): Context | undefined {
    const t = this.traced;
    this.traced = undefined;
    return t;
  }
}
