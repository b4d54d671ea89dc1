/**
 * `npm run bench:runner`: how hard the benchmark runner itself can drive a gateway, and how finely it detects
 * readiness. N routes (default 10,000) are added to the probe scheduler at a provisioning rate against the mock
 * provider (a child process) that fails a seeded share of requests with 503, so each route needs several probes;
 * the detection window of a route is the time between its last failed answer and its first success.
 * Options: --routes 10000 --rate 500 (routes/s) --interval 100 (ms) --concurrency 256 --error-rate 0.8
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nowMs } from '../src/time/clock';
import { GatewayClient } from '../src/bench/gateway-client';
import { ProbeOutcome, ProbeScheduler } from '../src/bench/probe-scheduler';
import { freePort } from '../src/local/ports';
import { arg } from './args';

const numberArg = (name: string, fallback: string): number => Number(arg(name, fallback));
const routes = numberArg('routes', '10000');
const rate = numberArg('rate', '500');
const intervalMs = numberArg('interval', '100');
const concurrency = numberArg('concurrency', '256');
const errorRate = numberArg('error-rate', '0.8');

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main(): Promise<void> {
  const port = await freePort();
  const mock = spawn(process.execPath, ['-r', 'tsx/cjs', path.join(__dirname, '..', 'src', 'mock-provider', 'cli-entry.ts'), '--port', String(port), '--host', '127.0.0.1', '--backend-id', 'backend-001', '--backend-namespace', 'bench', '--error-rate', String(errorRate), '--error-status', '503', '--seed', '7'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => mock.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve()));
  const outcomes: ProbeOutcome[] = [];
  const client = new GatewayClient(`http://127.0.0.1:${port}`, 10_000, concurrency);
  const scheduler = new ProbeScheduler(client, (o) => outcomes.push(o), { intervalMs, timeoutMs: 120_000, concurrency });
  const started = nowMs();
  for (let i = 1; i <= routes; i++) {
    const due = started + (i / rate) * 1000;
    if (due > nowMs()) await new Promise((resolve) => setTimeout(resolve, due - nowMs()));
    scheduler.add({ object: `route-${i}`, model: `model-${i}`, backend: 'backend-001', namespace: 'bench' });
  }
  await scheduler.idle();
  const seconds = (nowMs() - started) / 1000;
  client.close();
  mock.kill('SIGTERM');

  const windows = outcomes.filter((o) => o.kind === 'firstSuccess' && o.lastFailureMs !== undefined).map((o) => o.atMs - o.lastFailureMs!).sort((a, b) => a - b);
  const result = {
    routes,
    provisioningRatePerSecond: rate,
    requestIntervalMs: intervalMs,
    concurrency,
    errorRate,
    seconds,
    probes: scheduler.probes,
    requestsPerSecond: scheduler.probes / seconds,
    succeeded: outcomes.filter((o) => o.kind === 'ready').length,
    detectionWindowMs: { p50: percentile(windows, 50), p90: percentile(windows, 90), p99: percentile(windows, 99), max: windows[windows.length - 1] },
    runnerPeakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  console.log(`bench:runner on ${os.cpus().length} CPUs: ${routes} routes added at ${rate}/s, each probed every ${intervalMs} ms (${concurrency} in flight), mock failing ${errorRate * 100} % with 503`);
  console.log(`  ${result.succeeded}/${routes} routes succeeded in ${seconds.toFixed(1)} s; ${result.probes} probes = ${result.requestsPerSecond.toFixed(0)} requests/s`);
  console.log(`  detection window (last failure → first success): p50 ${result.detectionWindowMs.p50.toFixed(0)} ms, p90 ${result.detectionWindowMs.p90.toFixed(0)} ms, p99 ${result.detectionWindowMs.p99.toFixed(0)} ms, max ${result.detectionWindowMs.max.toFixed(0)} ms`);
  console.log(`  runner peak RSS ${(result.runnerPeakRssBytes / 2 ** 20).toFixed(0)} MB`);
  const out = path.join(__dirname, 'results', 'runner.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
