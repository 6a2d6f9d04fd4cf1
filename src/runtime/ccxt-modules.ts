// ccxt's entry module imports every one of its ~110 exchanges: in each process that costs ~78 MiB of
// RSS and ~38 MiB of live heap (their source text and code), and V8 lets the heap grow in proportion
// to what is live. The service uses a handful, so each exchange class is imported from its own
// module on first use (4 exchanges, REST and pro: ~32 MiB). ccxt's package exports only its entry,
// so the modules are found beside it; package-lock.json pins the layout.
import type * as Ccxt from 'ccxt';

export type ExchangeClass = new (cfg: object) => Ccxt.Exchange;

const entry = import.meta.resolve('ccxt'); // …/node_modules/ccxt/js/ccxt.js
const loaded = new Map<string, Promise<ExchangeClass>>();

/** The class of ccxt exchange `id` (ccxt pro's, with WebSocket streams, when `pro`), imported once. */
export function ccxtExchangeClass(id: string, pro: boolean): Promise<ExchangeClass> {
  if (!/^[a-z0-9]+$/.test(id)) return Promise.reject(new Error(`not a ccxt exchange id: ${id}`));
  const path = `./src/${pro ? 'pro/' : ''}${id}.js`;
  let p = loaded.get(path);
  if (!p) {
    p = import(new URL(path, entry).href).then(
      (m: { default: ExchangeClass }) => m.default,
      (err: Error) => {
        loaded.delete(path);
        throw new Error(`ccxt ${pro ? 'pro ' : ''}exchange ${id} could not be loaded: ${err.message}`);
      },
    );
    loaded.set(path, p);
  }
  return p;
}

/** ccxt's error classes: the module its exchanges throw from, so `instanceof` holds. */
export const ccxtErrors = (await import(new URL('./src/base/errors.js', entry).href)) as Pick<typeof Ccxt, 'ExchangeClosedByUser'>;
