import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadWsEngine, WsEngineError } from '../../src/runtime/ws-engine.js';

describe('WebSocket engine', () => {
  it('loads the native uWebSockets.js build of this runtime', () => {
    const { uws, info } = loadWsEngine();
    assert.equal(typeof uws.App, 'function');
    assert.equal(info.abi, process.versions.modules);
    assert.ok(info.binary.endsWith(`uws_${process.platform}_${process.arch}_${process.versions.modules}.node`), info.binary);
  });

  it('refuses a runtime it has no native build for, naming the runtimes it has', () => {
    assert.throws(() => loadWsEngine('137'), (err: unknown) => {
      assert.ok(err instanceof WsEngineError);
      assert.match(err.message, /no native build for Node\.js 24 \(ABI 137\)/);
      assert.match(err.message, /Node\.js 20, .*Node\.js 22/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  });

  function fakePackage(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'uws-'));
    mkdirSync(join(dir, 'dist', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'broken-uws', version: '1.0.0' }));
    for (const [f, body] of Object.entries(files)) writeFileSync(join(dir, 'dist', 'bin', f), body);
    return dir;
  }

  it('refuses a package without any native build (no JavaScript fallback)', () => {
    assert.throws(() => loadWsEngine(process.versions.modules, fakePackage({})), /broken-uws@1\.0\.0\) has no native build for Node\.js .*it has: none/);
  });

  it('refuses a native build that does not load, with the loader\'s reason', () => {
    const dir = fakePackage({ [`uws_${process.platform}_${process.arch}_${process.versions.modules}.node`]: 'not an ELF file' });
    assert.throws(() => loadWsEngine(process.versions.modules, dir), (err: unknown) => {
      assert.ok(err instanceof WsEngineError);
      assert.match(err.message, /native build for Node\.js v\d+.* does not load: .+/);
      return true;
    });
  });
});
