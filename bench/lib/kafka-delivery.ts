// How fast the broker alone delivers the simulator's events on this machine, with no service
// running: each consumer notes now − the record's CreateTime (set by the simulator's producer as
// it sends; milliseconds). kcat (librdkafka, C) is the floor under any consumer; a plain kafkajs
// consumer (kafkajs as published) is the floor under ours. Both read the same simulator run, one after the other.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config.js';
import { repoPath } from '../../src/paths.js';
import { isolatedEnv } from '../../test/support/service.js';
import { runSim } from '../../test/support/sim.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function kcatLatencies(brokers: string, topic: string, seconds: number): Promise<number[]> {
  const out: number[] = [];
  const kcat = spawn('kcat', ['-C', '-b', brokers, '-t', topic, '-o', 'end', '-u', '-q', '-f', '%T\n', '-X', 'fetch.wait.max.ms=100'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const started = Date.now();
  createInterface({ input: kcat.stdout! }).on('line', (line) => {
    const now = Date.now();
    if (now - started > 2000) out.push(now - Number(line)); // after the consumer settled
  });
  await sleep((seconds + 2) * 1000);
  kcat.kill();
  return out;
}

/** The same from kafkajs as published, in a process of its own (this one has the service's patches). */
async function kafkajsLatencies(brokers: string, topic: string, seconds: number): Promise<number[]> {
  const child = spawn(process.execPath, [repoPath('dist/bench/lib/plain-delivery.js'), brokers, topic, `bench-delivery-${Date.now()}`, String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  await new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`plain-delivery exited ${code}`)))));
  return JSON.parse(text.trim()) as number[];
}

/** Delivery latencies (ms) seen by kcat and by a plain kafkajs consumer at `rate` events/s over `symbols`. */
export async function kafkaDelivery(symbols: number, rate: number, seconds: number): Promise<{ kcat: number[]; kafkajs: number[] }> {
  const cfg = loadConfig();
  const { prefix, env } = isolatedEnv();
  const sim = runSim(['--symbols', String(symbols), '--rate', String(rate), '--duration', String(2 * seconds + 12), '--seed', '10'], env);
  await sleep(3000); // topics made, events flowing
  const topic = `${prefix}engine.event.v1`;
  const kcat = await kcatLatencies(cfg.kafkaBrokers.join(','), topic, seconds);
  const kafkajs = await kafkajsLatencies(cfg.kafkaBrokers.join(','), topic, seconds);
  await sim;
  return { kcat, kafkajs };
}
