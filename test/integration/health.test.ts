import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HealthReport } from '../../src/obs/health.js';
import { stack, waitUntil, type Component } from '../support/stack.js';
import { startService, type RunningService } from '../support/service.js';

async function health(svc: RunningService): Promise<{ code: number; body: HealthReport }> {
  const res = await fetch(`${svc.baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
  return { code: res.status, body: (await res.json()) as HealthReport };
}

describe('/health against the real stack', () => {
  let svc: RunningService;
  before(async () => (svc = await startService()));
  after(async () => {
    await svc?.stop();
  });

  it('is 200 with every dependency up', async () => {
    const h = await health(svc);
    assert.equal(h.code, 200, JSON.stringify(h.body));
    assert.equal(h.body.status, 'ok');
    assert.deepEqual(Object.keys(h.body.dependencies).sort(), ['clickhouse', 'kafka', 'postgres', 'redis', 'schema_registry']);
  });

  it('states the runtime and the native WebSocket engine serving it, in /health and md_build_info', async () => {
    const runtime = (await health(svc)).body.runtime as { node: string; ws_engine: { engine: string; binary: string; abi: string; package: string } };
    assert.equal(runtime.node, process.version);
    assert.equal(runtime.ws_engine.engine, 'uWebSockets.js');
    assert.equal(runtime.ws_engine.abi, process.versions.modules);
    assert.match(runtime.ws_engine.binary, new RegExp(`uws_${process.platform}_${process.arch}_${process.versions.modules}\\.node$`));
    const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
    const info = metrics.split('\n').find((l) => l.startsWith('md_build_info{'));
    assert.ok(info?.endsWith(' 1'), info);
    assert.ok(info!.includes(`node="${process.version}"`) && info!.includes(`uws="${runtime.ws_engine.package}"`), info);
  });

  const components: [Component, string][] = [
    ['redis', 'redis'],
    ['postgres', 'postgres'],
    ['clickhouse', 'clickhouse'],
    ['registry', 'schema_registry'],
    ['kafka', 'kafka'],
  ];
  for (const [component, dependency] of components) {
    it(`turns 503 naming ${dependency} while it is stopped, and 200 again once it is back`, async (t) => {
      const out = await stack('stop', component);
      if (out.includes('not started by this stack')) {
        // a stack this checkout reused (another checkout's, or the machine's) is not ours to stop
        t.skip(`${component} was not started by this checkout's stack; cannot stop it`);
        return;
      }
      try {
        await waitUntil(`503 naming ${dependency}`, async () => {
          const h = await health(svc);
          return h.code === 503 && h.body.down.length === 1 && h.body.down[0] === dependency && h.body.dependencies[dependency]!.up === false;
        });
        const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
        assert.match(metrics, new RegExp(`md_dependency_up\\{dependency="${dependency}"\\} 0`));
      } finally {
        await stack('start', component);
      }
      await waitUntil('200 again', async () => (await health(svc)).code === 200, 60_000);
    });
  }

  it('answers unknown routes with a JSON 404', async () => {
    const res = await fetch(`${svc.baseUrl}/nope`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: string }).error, 'not_found');
  });
});
