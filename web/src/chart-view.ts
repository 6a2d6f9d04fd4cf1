// The candle chart (lightweight-charts): history from /v1/klines, then live kline:* updates.
// Prices become numbers here, for drawing only.
import { CandlestickSeries, ColorType, createChart, HistogramSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import type { Kline } from './rest.js';

export class CandleChart {
  private readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly volume: ISeriesApi<'Histogram'>;
  private lastTime = 0;
  private count = 0;

  constructor(private readonly root: HTMLElement) {
    this.chart = createChart(root, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: '#11161d' }, textColor: '#c9d1d9' },
      grid: { vertLines: { color: '#1f2630' }, horzLines: { color: '#1f2630' } },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', wickUpColor: '#26a69a', wickDownColor: '#ef5350', borderVisible: false });
    this.volume = this.chart.addSeries(HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' }, color: '#3b4a5c' });
    this.chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  }

  load(klines: Kline[], interval: string): void {
    const sorted = [...klines].sort((a, b) => a.open_time - b.open_time);
    this.candles.setData(sorted.map(bar));
    this.volume.setData(sorted.map(volumeBar));
    this.lastTime = sorted.length ? sorted[sorted.length - 1]!.open_time : 0;
    this.count = sorted.length;
    this.root.dataset.interval = interval;
    this.publish();
    this.chart.timeScale().scrollToRealTime();
  }

  /** A kline message: the candle in progress or a close; an older one than the last is ignored. */
  update(k: Kline): void {
    if (k.open_time < this.lastTime) return;
    if (k.open_time > this.lastTime) this.count++;
    this.lastTime = k.open_time;
    this.candles.update(bar(k));
    this.volume.update(volumeBar(k));
    this.publish();
  }

  clear(): void {
    this.candles.setData([]);
    this.volume.setData([]);
    this.lastTime = 0;
    this.count = 0;
    this.publish();
  }

  private publish(): void {
    this.root.dataset.candles = String(this.count);
    this.root.dataset.lastTime = String(this.lastTime);
  }
}

const time = (k: Kline) => (k.open_time / 1000) as UTCTimestamp;
const bar = (k: Kline) => ({ time: time(k), open: Number(k.open), high: Number(k.high), low: Number(k.low), close: Number(k.close) });
const volumeBar = (k: Kline) => ({ time: time(k), value: Number(k.volume), color: Number(k.close) >= Number(k.open) ? '#26a69a55' : '#ef535055' });
