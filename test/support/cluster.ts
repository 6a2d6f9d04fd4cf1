// Cores and edges of one environment as real processes: the cores share a consumer group (each
// with its own transactional id), the edges follow md.* and serve the public API.
import { startService, type RunningService } from './service.js';

export interface Cluster {
  cores: RunningService[];
  edges: RunningService[];
  /** Starts (or restarts after a kill) core `i` with its own transactional id. */
  startCore(i: number): Promise<RunningService>;
  startEdge(i: number): Promise<RunningService>;
  stop(): Promise<void>;
}

export async function startCluster(env: Record<string, string>, cores: number, edges: number, coreEnv: Record<string, string> = {}): Promise<Cluster> {
  const c: Cluster = {
    cores: [],
    edges: [],
    async startCore(i) {
      const prev = c.cores[i];
      // a restarted core keeps its address and transactional id (it fences its dead self's transaction)
      const svc = await startService({ ...env, ...coreEnv, ROLE: 'core', KAFKA_TRANSACTIONAL_ID: `${env.KAFKA_TRANSACTIONAL_ID ?? 'md'}-core-${i}`, ...(prev ? { HTTP_PORT: String(prev.httpPort), GRPC_PORT: String(prev.grpcPort) } : {}) });
      c.cores[i] = svc;
      return svc;
    },
    async startEdge(i) {
      const prev = c.edges[i];
      const svc = await startService({ ...env, ROLE: 'edge', ...(prev ? { HTTP_PORT: String(prev.httpPort), GRPC_PORT: String(prev.grpcPort) } : {}) });
      c.edges[i] = svc;
      return svc;
    },
    async stop() {
      await Promise.all([...c.edges, ...c.cores].map((s) => s.stop()));
    },
  };
  for (let i = 0; i < cores; i++) await c.startCore(i);
  for (let i = 0; i < edges; i++) await c.startEdge(i);
  return c;
}
