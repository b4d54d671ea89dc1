/**
 * `npm run bench:mock`: the mock provider (the bundled file, as it runs in a pod, identity from the Host header)
 * against a bare `node:http` server answering the same bytes, both in child processes, loaded by autocannon from
 * this process in alternating rounds: requests/s, p99 latency, failed requests and peak RSS.
 * Options: --seconds 4 (per side per round) --connections 200 --warmup 2 --rounds 5 --page-dir docs
 */
import autocannon from 'autocannon';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { procMemory } from '../src/local/proc-stats';
import { bundleMockProvider } from '../src/mock-provider/bundle';
import { arg } from './args';
import { ChildServer, startChildServer, stopChildServer } from './harness/child-server';
import { commonOptions } from './harness/options';
import { BenchSection, Side } from './harness/section';

const SECONDS = Number(arg('seconds', '4'));
const CONNECTIONS = Number(arg('connections', '200'));
const WARMUP_SECONDS = Number(arg('warmup', '2'));
/** Every request names a backend the way Envoy does, so the mock derives its identity from the Host header. */
const HOST = 'backend-001.aigw-scale.svc.cluster.local:8080';
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

function load(url: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url: `${url}/v1/chat/completions`, method: 'POST', headers: { 'content-type': 'application/json', host: HOST }, body: REQUEST_BODY, connections: CONNECTIONS, duration: seconds });
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

function loadSide(name: string, description: string, server: ChildServer): Side {
  return {
    name,
    description,
    async run() {
      const started = performance.now();
      const result = await load(server.url, SECONDS);
      const seconds = (performance.now() - started) / 1000;
      return {
        metrics: {
          requestsPerSecond: result.requests.total / seconds,
          latencyP99Ms: result.latency.p99,
          failedRequests: result.errors + result.timeouts + result.non2xx,
          peakRssBytes: procMemory(server.child.pid!).peakRssBytes,
        },
      };
    },
  };
}

async function main(): Promise<void> {
  const section = new BenchSection({
    id: 'mock',
    title: 'Mock provider',
    method: `Non-streaming chat completions from autocannon (${CONNECTIONS} connections, ${SECONDS} s per side per round after ${WARMUP_SECONDS} s of warm-up each) to the mock provider as it runs in a pod (the bundled file, its identity from the Host header) and to a bare \`node:http\` server answering exactly the mock's bytes and headers: the ceiling of any Node server on this machine. Both run in child processes; the load generator shares the cores.`,
    ...commonOptions(),
  });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bench-mock-'));
  const bundle = path.join(workDir, 'mock-provider.js');
  fs.writeFileSync(bundle, await bundleMockProvider());
  const servers: ChildServer[] = [];
  try {
    const mock = await startChildServer('mock', [bundle, '--port', '0', '--host', '127.0.0.1']);
    servers.push(mock);
    const sample = await post(mock.url);
    if (sample.status !== 200 || sample.headers['x-mock-backend-id'] !== 'backend-001') throw new Error(`mock answered ${sample.status} as ${sample.headers['x-mock-backend-id']}: ${sample.body}`);
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'x-mock-backend-id', 'x-mock-model', 'x-mock-source']) headers[name] = String(sample.headers[name]);
    const bare = await startChildServer('bare', ['-e', BARE_SERVER], { BARE_BODY: sample.body, BARE_HEADERS: JSON.stringify(headers) });
    servers.push(bare);
    for (const server of [mock, bare]) if (WARMUP_SECONDS > 0) await load(server.url, WARMUP_SECONDS);
    const measured = await section.measure('chat', 'non-streaming chat completions', [
      loadSide('mock provider', 'the bundled mock provider, identity from the Host header.', mock),
      loadSide('bare node:http', 'a `node:http` server answering the same fixed bytes and headers.', bare),
    ]);
    measured.compare('mock provider', 'bare node:http', 'requestsPerSecond', { text: 'mock provider ≥ 60 % of a bare Node server’s requests/s', comparator: '>=', threshold: 0.6 });
    measured.goalOn('mock provider', 'failedRequests', { text: 'mock provider: no failed request', comparator: '<=', threshold: 0 });
  } finally {
    for (const server of servers) await stopChildServer(server);
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  section.finish();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
