// Deletes the topics earlier test and benchmark runs left behind (prefixes t<8 hex>. and
// bench-<name>-<8 hex>.): each run makes thousands of partitions, and a broker holding tens of
// thousands answers metadata requests too slowly for the tests. `make clean-test-topics`; never
// touches other topics (but would pull the rug from under a test run using the broker meanwhile).
import { loadConfig } from '../../src/config.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createLogger } from '../../src/obs/logger.js';

const LEFT_BY_TESTS = /^(t[0-9a-f]{8}\.|bench-[a-z]+-[0-9a-f]{8}\.)/;

const admin = createKafka(loadConfig().kafkaBrokers, 'clean-topics', createLogger('error')).admin();
await admin.connect();
try {
  const old = (await admin.listTopics()).filter((t) => LEFT_BY_TESTS.test(t));
  for (let i = 0; i < old.length; i += 200) await admin.deleteTopics({ topics: old.slice(i, i + 200), timeout: 60_000 });
  process.stdout.write(`deleted ${old.length} topics left by earlier test runs\n`);
} finally {
  await admin.disconnect();
}
