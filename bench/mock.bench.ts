/**
 * `npm run bench:mock`: throughput, p99 latency, errors and peak RSS of the mock provider (the bundled
 * dist file, as it runs in a pod, identity from the Host header) against a bare `node:http` server returning
 * the same bytes, both in child processes, driven by autocannon from this process in the same run. The load
 * alternates between the two in rounds (mock, bare, mock, bare …) so drift in machine load hits both alike.
 * Options: --duration 10 (seconds per server, split over the rounds) --rounds 2 --connections 200 --warmup 2
 * Targets: ≥ 60 % of the bare server's requests/s, zero errors, peak RSS ≤ 120 MB. Exits 1 when one is missed.
 */
import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleMockProvider } from '../src/mock-provider/bundle';
import { arg } from './args';

const DURATION_S = Number(arg('duration', '10'));
const CONNECTIONS = Number(arg('connections', '200'));
const WARMUP_S = Number(arg('warmup', '2'));
const ROUNDS = Math.max(1, Number(arg('rounds', '2')));
/** Every request names a backend the way Envoy does, so the mock derives its identity from the Host header. */
const HOST = 'backend-001.aigw-scale.svc.cluster.local:8080';
const TARGETS = { throughputRatio: 0.6, errors: 0, peakRssBytes: 120 * 1024 * 1024 };

const REQUEST_BODY = JSON.stringify({
  model: 'model-000001',
  messages: [
    { role: 'system', content: 'You are a benchmark.' },
    { role: 'user', content: 'Say something short.' },
  ],
});

/** The bare server: reads the body, answers the fixed JSON with the same headers. Plain JS for `node -e`. */
const BARE_SERVER = `
const http = require('node:http');
const body = process.env.BARE_BODY;
const headers = JSON.parse(process.env.BARE_HEADERS);
headers['content-length'] = Buffer.byteLength(body);
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => { res.writeHead(200, headers); res.end(body); });
});
server.keepAliveTimeout = 120000;
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

interface Server {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url: string;
}

function start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output}`)), 10_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ name, child, url: match[1] });
      }
    });
  });
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

/** Resident and peak resident memory of a process (Linux /proc; `ps` elsewhere, without a peak). */
function memory(pid: number): { rss: number; hwm?: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number | undefined => {
      const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
      return match ? Number(match[1]) * 1024 : undefined;
    };
    return { rss: kib('VmRSS') ?? 0, hwm: kib('VmHWM') };
  } catch {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    return { rss: Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) * 1024 };
  }
}

/** User + system CPU seconds a process has used so far (Linux /proc; undefined elsewhere). */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticksPerSecond = 100; // USER_HZ, 100 on every mainstream Linux
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

interface Round {
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  cpuSeconds?: number;
}

interface Measurement {
  /** Answered requests over the measured seconds of all rounds. */
  requestsPerSecond: number;
  /** p50 and p99: the worst round's; max: the largest seen. */
  latencyMs: { p50: number; p99: number; max: number };
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  peakRssBytes: number;
  /** Server CPU time per answered request (user + system), µs; absent where /proc is unavailable. */
  cpuMicrosPerRequest?: number;
  rounds: Round[];
}

function load(url: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', host: HOST },
    body: REQUEST_BODY,
    connections: CONNECTIONS,
    duration: seconds,
  });
}

/** A server under test: memory sampled while the load runs. */
class Subject {
  readonly rounds: Round[] = [];
  private peakRss = 0;

  constructor(readonly server: Server) {}

  async warmUp(): Promise<void> {
    if (WARMUP_S > 0) await load(this.server.url, WARMUP_S);
  }

  async round(seconds: number): Promise<void> {
    const pid = this.server.child.pid!;
    const sampler = setInterval(() => {
      this.peakRss = Math.max(this.peakRss, memory(pid).rss);
    }, 200);
    const cpuBefore = cpuSeconds(pid);
    const started = performance.now();
    const result = await load(this.server.url, seconds);
    const elapsed = (performance.now() - started) / 1000;
    const cpuAfter = cpuSeconds(pid);
    clearInterval(sampler);
    this.rounds.push({
      seconds: elapsed,
      requests: result.requests.total,
      requestsPerSecond: result.requests.total / elapsed,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      ...(cpuBefore !== undefined && cpuAfter !== undefined ? { cpuSeconds: cpuAfter - cpuBefore } : {}),
    });
  }

  measurement(): Measurement {
    const final = memory(this.server.child.pid!);
    const sum = (f: (r: Round) => number): number => this.rounds.reduce((total, r) => total + f(r), 0);
    const max = (f: (r: Round) => number): number => Math.max(...this.rounds.map(f));
    const requests = sum((r) => r.requests);
    const cpu = this.rounds.every((r) => r.cpuSeconds !== undefined) ? sum((r) => r.cpuSeconds!) : undefined;
    return {
      requestsPerSecond: requests / sum((r) => r.seconds),
      latencyMs: { p50: max((r) => r.latencyMs.p50), p99: max((r) => r.latencyMs.p99), max: max((r) => r.latencyMs.max) },
      requests,
      errors: sum((r) => r.errors),
      timeouts: sum((r) => r.timeouts),
      non2xx: sum((r) => r.non2xx),
      peakRssBytes: Math.max(this.peakRss, final.rss, final.hwm ?? 0),
      ...(cpu !== undefined ? { cpuMicrosPerRequest: (cpu / requests) * 1e6 } : {}),
      rounds: this.rounds,
    };
  }
}

/** One request as the load sends it (node:http, since fetch may not set Host). */
function post(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', host: HOST } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end(REQUEST_BODY);
  });
}

async function main(): Promise<void> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bench-mock-'));
  const bundle = path.join(workDir, 'mock-provider.js');
  fs.writeFileSync(bundle, await bundleMockProvider());
  const servers: Server[] = [];
  try {
    const mock = await start('mock', [bundle, '--port', '0', '--host', '127.0.0.1']);
    servers.push(mock);
    // The bare server answers with exactly the bytes and headers the mock sends for this request.
    const sample = await post(mock.url);
    if (sample.status !== 200 || sample.headers['x-mock-backend-id'] !== 'backend-001') {
      throw new Error(`mock answered ${sample.status} as ${sample.headers['x-mock-backend-id']}: ${sample.body}`);
    }
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'x-mock-backend-id', 'x-mock-model', 'x-mock-source']) headers[name] = String(sample.headers[name]);
    const bare = await start('bare', ['-e', BARE_SERVER], { BARE_BODY: sample.body, BARE_HEADERS: JSON.stringify(headers) });
    servers.push(bare);

    console.log(
      `bench:mock on ${os.cpus().length} CPUs, node ${process.version}: ${CONNECTIONS} connections, ${DURATION_S} s per server ` +
        `in ${ROUNDS} alternating round(s) after ${WARMUP_S} s warm-up, non-streaming chat completions`,
    );
    const subjects = { mock: new Subject(mock), bare: new Subject(bare) };
    await subjects.mock.warmUp();
    await subjects.bare.warmUp();
    for (let round = 0; round < ROUNDS; round++) {
      await subjects.mock.round(DURATION_S / ROUNDS);
      await subjects.bare.round(DURATION_S / ROUNDS);
    }
    const ours = subjects.mock.measurement();
    const baseline = subjects.bare.measurement();
    const ratio = ours.requestsPerSecond / baseline.requestsPerSecond;
    const errorsOf = (m: Measurement): number => m.errors + m.timeouts + m.non2xx;
    const pass = {
      throughput: ratio >= TARGETS.throughputRatio,
      errors: errorsOf(ours) === TARGETS.errors,
      rss: ours.peakRssBytes <= TARGETS.peakRssBytes,
    };

    const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    const row = (label: string, m: Measurement): string =>
      `${label.padEnd(6)} | ${m.requestsPerSecond.toFixed(0).padStart(8)} | ${String(m.latencyMs.p50).padStart(7)} ms | ${String(m.latencyMs.p99).padStart(7)} ms | ${String(errorsOf(m)).padStart(6)} | ${mb(m.peakRssBytes).padStart(9)} | ${m.cpuMicrosPerRequest === undefined ? '      -' : m.cpuMicrosPerRequest.toFixed(1).padStart(7)}`;
    console.log('server |    req/s |     p50    |     p99    | errors |  peak RSS | CPU µs/req');
    console.log(row('mock', ours));
    console.log(row('bare', baseline));
    console.log(
      `mock/bare throughput ${(ratio * 100).toFixed(1)} % (target ≥ ${TARGETS.throughputRatio * 100} %: ${pass.throughput ? 'ok' : 'MISSED'}), ` +
        `errors ${errorsOf(ours)} (target 0: ${pass.errors ? 'ok' : 'MISSED'}), ` +
        `peak RSS ${mb(ours.peakRssBytes)} (target ≤ ${mb(TARGETS.peakRssBytes)}: ${pass.rss ? 'ok' : 'MISSED'})`,
    );

    const resultsDir = path.join(__dirname, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, 'mock.json');
    const result = {
      schemaVersion: 1,
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      config: { connections: CONNECTIONS, durationSeconds: DURATION_S, rounds: ROUNDS, warmupSeconds: WARMUP_S, path: '/v1/chat/completions', stream: false, host: HOST },
      mock: ours,
      bare: baseline,
      throughputRatio: ratio,
      targets: TARGETS,
      pass,
    };
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`results: ${path.relative(process.cwd(), file)}`);
    if (!pass.throughput || !pass.errors || !pass.rss) process.exitCode = 1;
  } finally {
    for (const server of servers) await stop(server);
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
