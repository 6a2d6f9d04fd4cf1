/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoPath } from '../../src/paths.js';
import { FakeExchanges } from '../../src/sim/exchanges.js';
import { freePort, isolatedEnv, startService, waitForMarket, type RunningService } from '../support/service.js';
import { runSim } from '../support/sim.js';
import { testStores } from '../support/stores.js';

const OUTPUT = repoPath('test-output');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Waits for a condition evaluated in the page (a DOM state the explorer exposes). */
async function until(page: Page, what: string, fn: string, timeoutMs = 20_000): Promise<void> {
  try {
    await page.waitForFunction(fn, undefined, { timeout: timeoutMs, polling: 100 });
  } catch (err) {
    await page.screenshot({ path: `${OUTPUT}/web-failure.png` }).catch(() => undefined);
    throw new Error(`the page never showed ${what} (${(err as Error).message.split('\n')[0]}); screenshot: test-output/web-failure.png`);
  }
}

const data = (page: Page, selector: string, key: string) => page.$eval(selector, (e, k) => (e as HTMLElement).dataset[k] ?? '', key);

describe('live explorer web page (Debian chromium via playwright-core, real service and simulator)', () => {
  it('loads, keeps a verified book ladder, trades and candles live, switches symbol and interval, and comes back after a restart', async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const fake = new FakeExchanges(5);
    const exchangesPort = await fake.start();
    const { prefix, env } = isolatedEnv({
      PRICING_ENABLED: 'true',
      INDEX_EXCHANGE_BASE_URL: `http://127.0.0.1:${exchangesPort}`,
      INDEX_POLL_MS: '250',
      VENUE_BASE_URL: `http://127.0.0.1:${exchangesPort}`,
      VENUE_STREAMS: 'binance:BTC/USDT@book:20,binance:BTC/USDT@trades,okx:BTC/USDT@book:20,bybit:BTC/USDT@book:20',
    });
    const stores = await testStores(prefix);
    const svcEnv = { ...env, ...stores.env, HTTP_PORT: String(await freePort()), GRPC_PORT: String(await freePort()) };
    let svc: RunningService = await startService(svcEnv);
    let browser: Browser | undefined;
    const pageErrors: string[] = [];
    // 60 engine seconds per wall second: a 1m candle closes every second, a 5m one every five
    const sim = runSim(['--symbols', '2', '--rate', '600', '--duration', '60', '--seed', '17', '--engine-speed', '60'], env);
    try {
      await waitForMarket(svc, ['BTCUSDT-PERP', 'ETHUSDT-PERP']);
      for (const v of ['binance', 'okx', 'bybit']) {
        for (let i = 0; (await fetch(`${svc.baseUrl}/v1/depth?symbol=${v}:BTC%2FUSDT`)).status !== 200; i++) {
          if (i > 100) throw new Error(`no ${v}:BTC/USDT book`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
      const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
      // while the service is down the browser logs refused connections: expected then, an error otherwise
      let serviceDown = false;
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && !serviceDown && pageErrors.push(m.text()));
      page.on('response', (r) => r.status() >= 400 && pageErrors.push(`${r.status()} ${r.url()}`));
      await page.goto(`${svc.baseUrl}/`);

      // venue and symbol pickers from /v1/symbols: the exchange's own symbols first
      const all = ((await (await fetch(`${svc.baseUrl}/v1/symbols`)).json()) as { symbols: { symbol: string }[] }).symbols.map((s) => s.symbol);
      const symbols = all.filter((s) => !s.includes(':'));
      await until(page, 'the symbol picker filled', `document.querySelectorAll('#symbol option').length === ${symbols.length}`);
      assert.deepEqual(await page.$$eval('#symbol option', (os) => os.map((o) => (o as HTMLOptionElement).value)), symbols);
      assert.deepEqual(await page.$$eval('#venue option', (os) => os.map((o) => (o as HTMLOptionElement).value)), ['exchange', 'binance', 'bybit', 'okx']);
      const first = await page.$eval('#symbol', (s) => (s as HTMLSelectElement).value);

      // the ladder: live, its checksum verified, moving
      await until(page, 'a live connection', `document.querySelector('#conn').dataset.state === 'live'`);
      await until(page, 'a verified book', `document.querySelector('#book').dataset.checksum === 'ok' && document.querySelectorAll('#ladder .level.bid').length >= 10 && document.querySelectorAll('#ladder .level.ask').length >= 10`);
      const seq0 = Number(await data(page, '#book', 'seq'));
      await until(page, 'the book updating', `Number(document.querySelector('#book').dataset.seq) > ${seq0} && document.querySelector('#book').dataset.checksum === 'ok'`);
      // both read in one evaluation: the ladder re-renders between two
      const [bestBid, bestAsk] = await page.$eval('#ladder', (l) => {
        const asks = l.querySelectorAll<HTMLElement>('.level.ask');
        return [l.querySelector<HTMLElement>('.level.bid')!.dataset.price!, asks[asks.length - 1]!.dataset.price!];
      });
      assert.ok(Number(bestBid) < Number(bestAsk), `best bid ${bestBid} below best ask ${bestAsk}`);
      const bars = await page.$$eval('#ladder .level .bar', (bs) => bs.map((b) => (b as HTMLElement).style.width));
      assert.ok(bars.every((w) => /^\d+(\.\d+)?%$/.test(w)) && bars.includes('100%'), `depth bars, the deepest at 100 %: ${bars.join(' ')}`);

      // trades tape, panel, chart with history and live candles
      await until(page, 'trades on the tape', `Number(document.querySelector('#trades').dataset.count) > 5`);
      await until(page, 'mark, index and funding with a countdown', `/^\\d/.test(document.querySelector('#p-mark').textContent) && /^\\d/.test(document.querySelector('#p-index').textContent) && /^\\d\\d:\\d\\d:\\d\\d$/.test(document.querySelector('#p-countdown').textContent) && /^\\d/.test(document.querySelector('#t-last').textContent)`);
      await until(page, 'candles from history', `Number(document.querySelector('#chart').dataset.candles) >= 5 && document.querySelector('#chart canvas') !== null`);
      const last0 = Number(await data(page, '#chart', 'lastTime'));
      await until(page, 'a new candle from kline:1m', `Number(document.querySelector('#chart').dataset.lastTime) > ${last0}`);
      await page.waitForTimeout(1000);
      await page.screenshot({ path: `${OUTPUT}/web-explorer.png` });

      // interval switch: 5m candles, history reloaded
      await page.click('#intervals button[data-interval="5m"]');
      await until(page, '5m candles', `document.querySelector('#chart').dataset.interval === '5m' && Number(document.querySelector('#chart').dataset.candles) >= 1 && Number(document.querySelector('#chart').dataset.lastTime) % 300000 === 0`);
      assert.match(page.url(), /#.+\/5m$/);

      // symbol switch: the other symbol's book, trades and candles
      const second = symbols.find((s) => s !== first)!;
      await page.selectOption('#symbol', second);
      await until(page, `the ${second} book verified`, `document.querySelector('#book').dataset.symbol === '${second}' && document.querySelector('#book').dataset.checksum === 'ok' && document.querySelectorAll('#ladder .level').length >= 20`);
      await until(page, `${second} trades, candles and ticker`, `Number(document.querySelector('#trades').dataset.count) > 0 && document.querySelector('#chart').dataset.symbol === '${second}' && Number(document.querySelector('#chart').dataset.candles) >= 1 && /^\\d/.test(document.querySelector('#t-last').textContent)`);

      // grouping: the ladder regroups, still verified
      const tick = await page.$eval('#prec option:nth-child(1)', (o) => (o as HTMLOptionElement).value);
      const grouped = await page.$eval('#prec option:nth-child(4)', (o) => (o as HTMLOptionElement).value);
      await page.selectOption('#prec', grouped);
      await until(page, `the book grouped by ${grouped}`, `document.querySelector('#book').dataset.checksum === 'ok' && [...document.querySelectorAll('#ladder .level')].every((l) => { const [i, f = ''] = l.dataset.price.split('.'); return BigInt(i + f) % BigInt('${grouped}'.replace('.', '')) === 0n; })`);
      assert.notEqual(tick, grouped);

      // an outside venue: its verified book, trades, and the top of book of BTC/USDT across the venues
      await page.selectOption('#venue', 'binance');
      await until(page, 'the binance book verified', `document.querySelector('#book').dataset.symbol === 'binance:BTC/USDT' && document.querySelector('#book').dataset.checksum === 'ok' && document.querySelectorAll('#ladder .level').length >= 20`);
      await until(page, 'binance trades', `Number(document.querySelector('#trades').dataset.count) > 0`);
      await until(page, 'the top of book across three venues', `document.querySelector('#across').dataset.rows === '3' && document.querySelector('#across').dataset.bestBid !== '' && document.querySelector('#across').dataset.bestAsk !== ''`);
      const acrossRows = await page.$$eval('#across tr', (rs) => rs.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.textContent)));
      const bestBidVenue = await data(page, '#across', 'bestBid');
      const bestBidPrice = acrossRows.find((r) => r[0] === bestBidVenue)![1]!;
      assert.ok(acrossRows.every((r) => Number(r[1]) <= Number(bestBidPrice)), `the best bid is the highest: ${JSON.stringify(acrossRows)}`);
      assert.match(page.url(), /#binance:BTC\/USDT\/5m$/);
      await page.screenshot({ path: `${OUTPUT}/web-explorer-venue.png` });
      await page.selectOption('#venue', 'exchange');
      await until(page, 'back on the exchange', `!document.querySelector('#book').dataset.symbol.includes(':') && document.querySelector('#book').dataset.checksum === 'ok'`);

      // the service goes away: stale and reconnecting; it comes back: live again, resubscribed
      serviceDown = true;
      await svc.stop('SIGTERM');
      await until(page, 'reconnecting, stale data marked stale', `document.querySelector('#conn').dataset.state === 'reconnecting' && document.querySelector('#book').dataset.stale === 'true' && document.querySelector('#trades-box').dataset.stale === 'true' && document.querySelector('#chart-box').dataset.stale === 'true'`, 10_000);
      await page.screenshot({ path: `${OUTPUT}/web-explorer-stale.png` });
      svc = await startService(svcEnv);
      const seqBefore = Number(await data(page, '#book', 'seq'));
      await until(page, 'live again', `document.querySelector('#conn').dataset.state === 'live'`, 60_000);
      serviceDown = false;
      await until(page, 'live again with a verified, moving book', `document.querySelector('#conn').dataset.state === 'live' && document.querySelector('#book').dataset.stale === 'false' && document.querySelector('#book').dataset.checksum === 'ok' && Number(document.querySelector('#book').dataset.seq) > ${seqBefore}`, 60_000);
      await page.screenshot({ path: `${OUTPUT}/web-explorer-after-restart.png` });
      assert.deepEqual(pageErrors, [], 'no errors in the page');
      process.stdout.write(`# screenshots: ${OUTPUT}/web-explorer.png, web-explorer-stale.png, web-explorer-after-restart.png\n`);
    } finally {
      await browser?.close();
      await svc.stop();
      await sim.catch(() => undefined);
      await fake.stop();
      await stores.drop();
    }
  });
});
