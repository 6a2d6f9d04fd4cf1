// `npm run exchanges -- --port 9100`: the local stand-ins for the exchanges' public tickers and
// the streaming venues (src/sim/venues/).
// Point the service at them with INDEX_EXCHANGE_BASE_URL=http://127.0.0.1:9100.
import { parseArgs } from 'node:util';
import { FakeExchanges } from './exchanges.js';

const { values } = parseArgs({ options: { port: { type: 'string' }, seed: { type: 'string' }, 'venue-step-ms': { type: 'string' }, 'venue-steps': { type: 'string' } } });
const port = Number(values.port ?? 9100);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`exchanges: --port must be a port number, got ${JSON.stringify(values.port)}\n`);
  process.exit(2);
}
for (const name of ['venue-step-ms', 'venue-steps'] as const) {
  const v = values[name];
  if (v !== undefined && !(/^\d{1,6}$/.test(v) && Number(v) >= 1)) {
    process.stderr.write(`exchanges: --${name} must be a whole number from 1, got ${JSON.stringify(v)}\n`);
    process.exit(2);
  }
}
const fake = new FakeExchanges(Number(values.seed ?? 1), { stepMs: Number(values['venue-step-ms'] ?? 100), stepsPerTick: Number(values['venue-steps'] ?? 1) });
try {
  await fake.start(port);
} catch (err) {
  process.stderr.write(`exchanges: cannot listen on 127.0.0.1:${port}: ${(err as Error).message}\n`);
  process.exit(1);
}
process.stderr.write(`exchanges: Binance, Coinbase, Kraken and OKX ticker stand-ins on http://127.0.0.1:${port}/{binance,coinbaseexchange,kraken,okx}\n`);
process.stderr.write(`exchanges: streaming venues (REST and WebSocket, for ccxt pro) ${[...fake.venues!.venues.keys()].join(', ')} under the same URL; faults: POST /_venues/<venue>/fault?kind=...\n`);
const stop = () => void fake.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
