// OpenTelemetry tracing. Off by default: then nothing is registered and every call below is one
// boolean test. On: spans go to an OTLP/HTTP collector through a batch processor (exporting never
// blocks the hot path; a full queue drops spans rather than memory).
//
// Sampling happens here, before a span object exists: per-event work (a trade, a book delta, a
// WebSocket broadcast) is traced 1 in N by a counter, so an untraced event costs an increment.
// Low-rate work (pricing once a second, a store write per batch) is traced whenever tracing is on.
import { context, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Config } from '../config.js';

/** The span names of DESIGN.md. */
export type SpanName = 'md.process_trade' | 'md.process_book_delta' | 'md.compute_mark' | 'md.compute_index' | 'md.broadcast_ws' | 'md.persist_candle';

export class Tracing {
  private count = 0;

  private constructor(
    readonly enabled: boolean,
    private readonly tracer: Tracer | undefined,
    private readonly provider: BasicTracerProvider | undefined,
    /** Trace one per-event operation in this many. */
    private readonly every: number,
  ) {}

  static disabled(): Tracing {
    return new Tracing(false, undefined, undefined, Infinity);
  }

  static create(cfg: Config['tracing'], serviceName = 'market-data'): Tracing {
    if (!cfg.enabled || cfg.sampleRatio === 0) return Tracing.disabled();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName }),
      sampler: new AlwaysOnSampler(), // sampled() below has already decided
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: cfg.otlpUrl }), { maxQueueSize: 8192, scheduledDelayMillis: 1000 })],
    });
    trace.setGlobalTracerProvider(provider);
    // Makes a span active for the code it wraps, so log lines inside carry its trace_id.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    return new Tracing(true, provider.getTracer('market-data'), provider, Math.max(1, Math.round(1 / cfg.sampleRatio)));
  }

  /** Whether this occurrence of a per-event operation is traced. */
  sampled(): boolean {
    if (!this.enabled) return false;
    if (++this.count < this.every) return false;
    this.count = 0;
    return true;
  }

  /** Starts a span (a child of `parent` when given); undefined with tracing off. */
  start(name: SpanName, attributes: Attributes, parent?: Context): Span | undefined {
    return this.tracer?.startSpan(name, { attributes }, parent ?? context.active());
  }

  /** Runs `fn` with `span` active (log lines inside carry its trace_id), then ends the span. */
  run<T>(span: Span | undefined, fn: () => T): T {
    if (!span) return fn();
    try {
      return context.with(trace.setSpan(context.active(), span), fn);
    } finally {
      span.end();
    }
  }

  /** The same for async work: the span ends when the promise settles. */
  async runAsync<T>(span: Span | undefined, fn: () => Promise<T>): Promise<T> {
    if (!span) return fn();
    try {
      return await context.with(trace.setSpan(context.active(), span), fn);
    } finally {
      span.end();
    }
  }

  /** A context whose parent is `span`, for work that follows it later (a broadcast, a store write). */
  contextOf(span: Span): Context {
    return trace.setSpan(context.active(), span);
  }

  /** Exports what is still queued. */
  async shutdown(): Promise<void> {
    await this.provider?.shutdown().catch(() => undefined);
  }
}

/** trace_id and span_id of the active span, for log lines (pino mixin). */
export function activeTraceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const c = span.spanContext();
  return { trace_id: c.traceId, span_id: c.spanId };
}
