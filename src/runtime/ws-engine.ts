// The WebSocket/HTTP engine: the native uWebSockets.js build for this Node.js, or a clear refusal.
// The npm build we depend on (uws-pack, a repack of the official binaries) carries one native addon
// per Node ABI and no JavaScript fallback; the build we used before fell back to a shim that crashed
// on the first WebSocket upgrade. The engine that serves is stated in the log, a metric and /health.
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as UWS from 'uWebSockets.js';

export type Uws = typeof UWS;

export interface WsEngineInfo {
  engine: 'uWebSockets.js';
  /** The npm package that provides it, e.g. `uws-pack@20.0.8`. */
  package: string;
  binary: string;
  node: string;
  abi: string;
}

export class WsEngineError extends Error {}

/** Node.js majors by module ABI (process.versions.modules), for messages a person can act on. */
const NODE_OF_ABI: Record<string, string> = { '93': '16', '108': '18', '115': '20', '120': '21', '127': '22', '131': '23', '137': '24', '141': '25' };

function nodeOf(abi: string): string {
  return NODE_OF_ABI[abi] ? `Node.js ${NODE_OF_ABI[abi]}` : `ABI ${abi}`;
}

function packageDir(): string {
  let dir = dirname(fileURLToPath(import.meta.resolve('uWebSockets.js')));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

/** The native builds a package directory carries: uws-pack keeps them in dist/bin, the official build at its root. */
function nativeBuilds(dir: string): Map<string, string> {
  const prefix = `uws_${process.platform}_${process.arch}_`;
  const builds = new Map<string, string>();
  for (const sub of ['dist/bin', '.']) {
    const where = join(dir, sub);
    if (!existsSync(where)) continue;
    for (const f of readdirSync(where)) {
      if (f.startsWith(prefix) && f.endsWith('.node')) builds.set(f.slice(prefix.length, -'.node'.length), join(where, f));
    }
  }
  return builds;
}

/** Loads the engine for this runtime (`abi` and `dir` are for tests: another runtime, another package). */
export function loadWsEngine(abi = process.versions.modules, dir = packageDir()): { uws: Uws; info: WsEngineInfo } {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
  const builds = nativeBuilds(dir);
  const binary = builds.get(abi);
  const here = `${abi === process.versions.modules ? `Node.js ${process.version}` : nodeOf(abi)} (ABI ${abi}) on ${process.platform}-${process.arch}`;
  if (!binary) {
    const have = [...builds.keys()].sort((a, b) => Number(a) - Number(b)).map(nodeOf).join(', ') || 'none';
    throw new WsEngineError(
      `uWebSockets.js (${pkg.name}@${pkg.version}) has no native build for ${here}; it has: ${have}. ` +
        'Run the service on one of those (Node.js 22 LTS is supported and tested), see README "Requirements".',
    );
  }
  let uws: Uws;
  try {
    // the addon is the whole API (the package's own entry only re-exports it)
    uws = createRequire(import.meta.url)(binary) as Uws;
  } catch (err) {
    const reason = String((err as Error).message).split('\n').filter(Boolean).pop();
    throw new WsEngineError(`uWebSockets.js (${pkg.name}@${pkg.version}) native build for ${here} does not load: ${reason}`);
  }
  if (typeof uws.App !== 'function') throw new WsEngineError(`uWebSockets.js (${pkg.name}@${pkg.version}) loaded without an App: not a native build`);
  return { uws, info: { engine: 'uWebSockets.js', package: `${pkg.name}@${pkg.version}`, binary: binary.slice(dir.length + 1), node: process.version, abi } };
}
