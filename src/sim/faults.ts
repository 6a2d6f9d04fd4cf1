// Faults the simulator injects into the engine.event.v1 stream, each at its own rate, drawn from
// a Random of their own so the market itself does not change with the fault settings.
import type { WireEngineEvent } from '../contract/engine-wire.js';
import type { Instrument } from '../domain/instrument.js';
import { Random } from './random.js';

export interface FaultRates {
  /** An event is never published: the consumer sees a sequence gap. */
  gap: number;
  /** An event is published twice. */
  duplicate: number;
  /** An event is swapped with the next event of the same symbol in its batch. */
  reorder: number;
  /** An undecodable message is published beside the real ones (bad magic, unknown schema id, or bad body). */
  bad: number;
  /** A book delta's content is replaced by one that crosses the book (the sequence is kept, the real change lost). */
  crossed: number;
}

export const NO_FAULTS: FaultRates = { gap: 0, duplicate: 0, reorder: 0, bad: 0, crossed: 0 };

export type FaultCounts = Record<keyof FaultRates, number>;

export type OutMessage = { key: string; value: Buffer };

export class FaultInjector {
  readonly counts: FaultCounts = { gap: 0, duplicate: 0, reorder: 0, bad: 0, crossed: 0 };
  private readonly rng: Random;

  constructor(
    private readonly rates: FaultRates,
    seed: number,
    private readonly instrument: (symbol: string) => Instrument | undefined,
    private readonly bestAsk: (symbol: string) => number | undefined,
  ) {
    this.rng = new Random(seed ^ 0x5eed5eed);
  }

  get active(): boolean {
    return Object.values(this.rates).some((r) => r > 0);
  }

  /** Turns a batch of true engine events into the messages to publish. */
  apply(events: WireEngineEvent[], encode: (e: WireEngineEvent) => Buffer): OutMessage[] {
    if (!this.active) return events.map((e) => ({ key: e.symbol, value: encode(e) }));
    const r = this.rng;
    const list = events.slice();
    if (this.rates.reorder > 0) {
      for (let i = 0; i < list.length; i++) {
        if (!r.chance(this.rates.reorder)) continue;
        const j = list.findIndex((e, k) => k > i && e.symbol === list[i]!.symbol);
        if (j < 0) continue;
        [list[i], list[j]] = [list[j]!, list[i]!];
        this.counts.reorder++;
      }
    }
    const out: OutMessage[] = [];
    for (const e of list) {
      if (r.chance(this.rates.gap)) {
        this.counts.gap++;
        continue;
      }
      let ev = e;
      if (e.kind === 'BOOK_DELTA' && r.chance(this.rates.crossed)) {
        const crossing = this.crossing(e);
        if (crossing) {
          ev = crossing;
          this.counts.crossed++;
        }
      }
      if (r.chance(this.rates.bad)) {
        out.push({ key: e.symbol, value: this.garbage(encode(e)) });
        this.counts.bad++;
      }
      const value = encode(ev);
      out.push({ key: e.symbol, value });
      if (r.chance(this.rates.duplicate)) {
        out.push({ key: e.symbol, value });
        this.counts.duplicate++;
      }
    }
    return out;
  }

  /** A delta that puts a bid far above the best ask: the book it produces is crossed. */
  private crossing(e: WireEngineEvent): WireEngineEvent | undefined {
    const inst = this.instrument(e.symbol);
    const ask = this.bestAsk(e.symbol);
    if (!inst || ask === undefined) return undefined;
    // far above any ask the consumer can hold at this point of the stream
    return { ...e, book_delta: { bids: [{ price: inst.tick.format(ask * 2 + 1), quantity: inst.lot.format(1) }], asks: [] } };
  }

  private garbage(real: Buffer): Buffer {
    const kind = this.rng.int(0, 2);
    if (kind === 0) return Buffer.from([0x7b, 0x22, 0x6e, 0x6f, 0x74, 0x20, 0x61, 0x76, 0x72, 0x6f, 0x22, 0x7d]); // '{"not avro"}'
    if (kind === 1) {
      const b = Buffer.from(real);
      b.writeInt32BE(987654, 1); // a schema id the registry never issued
      return b;
    }
    const b = Buffer.from(real.subarray(0, 9)); // right header, body cut short
    b[8] = 0xff;
    return b;
  }
}
