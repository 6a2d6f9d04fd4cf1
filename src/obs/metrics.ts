import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The service's Prometheus registry: Node's default metrics plus the md_* metrics of DESIGN.md. */
export class Metrics {
  readonly registry = new Registry();

  readonly dependencyUp = new Gauge({
    name: 'md_dependency_up',
    help: 'Whether the last health probe of a dependency succeeded (1) or not (0)',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });

  readonly dbQueryDuration = new Histogram({
    name: 'md_db_query_duration_ms',
    help: 'Duration of store queries in milliseconds',
    labelNames: ['repository'] as const,
    buckets: [0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: 'md_http_requests_total',
    help: 'HTTP requests served, by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
