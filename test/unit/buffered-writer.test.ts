import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/obs/logger.js';
import { Metrics } from '../../src/obs/metrics.js';
import { BufferedWriter } from '../../src/store/buffered-writer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = createLogger('silent');

describe('BufferedWriter (rows with no Kafka offset behind them)', () => {
  it('writes by size or by time, whichever comes first, every row once and in order', async () => {
    const batches: number[][] = [];
    const w = new BufferedWriter<number>('test', async (rows) => void batches.push(rows), new Metrics(), log, { batchRows: 3, maxDelayMs: 50, maxRows: 100 });
    await w.flush(); // a flush with nothing to write must not wedge the writer
    w.add([1, 2]);
    assert.equal(batches.length, 0, 'below the batch size: waits');
    w.add([3, 4]);
    await sleep(0);
    assert.deepEqual(batches, [[1, 2, 3], [4]], 'a full batch drains the buffer at once, in batches of at most batchRows');
    w.add([5]);
    await sleep(20);
    assert.equal(batches.length, 2, 'a lone row waits...');
    await sleep(60);
    assert.deepEqual(batches[2], [5], '...until maxDelayMs');
    for (let i = 6; i <= 9; i++) {
      w.add([i]);
      await sleep(20);
    }
    await sleep(80);
    assert.deepEqual(batches.flat(), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('retries through an outage, keeps at most maxRows (dropping the oldest, counted), and lands the rest once', async () => {
    const written: number[] = [];
    let down = true;
    const metrics = new Metrics();
    const w = new BufferedWriter<number>(
      'flaky',
      async (rows) => {
        if (down) throw new Error('connection refused');
        written.push(...rows);
      },
      metrics,
      log,
      { batchRows: 4, maxDelayMs: 10, maxRows: 10 },
    );
    for (let i = 1; i <= 25; i++) w.add([i]);
    await sleep(100);
    assert.deepEqual(written, []);
    down = false;
    await sleep(1500);
    const dropped = (await metrics.storeDropped.get()).values.find((v) => v.labels.repository === 'flaky')?.value ?? 0;
    assert.equal(new Set(written).size, written.length, 'no row twice');
    assert.equal(written.length + dropped, 25, 'every row either written or counted as dropped');
    assert.ok(dropped >= 15 - 4, `dropped ${dropped}`);
    assert.deepEqual(written.slice(-10), [16, 17, 18, 19, 20, 21, 22, 23, 24, 25], 'the newest rows survive');
    const failures = (await metrics.storeWriteFailures.get()).values.find((v) => v.labels.repository === 'flaky')?.value ?? 0;
    assert.ok(failures >= 1);
  });

  it('close writes what waits, and gives up on a store that stays down', async () => {
    const written: number[] = [];
    const w = new BufferedWriter<number>('ok', async (rows) => void written.push(...rows), new Metrics(), log, { batchRows: 100, maxDelayMs: 60_000, maxRows: 1000 });
    w.add([1, 2, 3]);
    await w.close();
    assert.deepEqual(written, [1, 2, 3]);
    const dead = new BufferedWriter<number>('dead', () => Promise.reject(new Error('down')), new Metrics(), log, { batchRows: 100, maxDelayMs: 60_000, maxRows: 1000 });
    dead.add([1]);
    const started = Date.now();
    await dead.close(300);
    assert.ok(Date.now() - started < 3000);
  });
});
