/**
 * `npm run bench:extension-recorder`: what the recording proxy adds to an extension call. A real HTTP/2 server
 * answers each gRPC-framed request with a message twice its size (as the AI Gateway extension server roughly
 * does); the same calls go to it directly (the baseline) and through the recorder, in alternating rounds, at
 * 1, 10 and 25 MiB. Prints min / median / max per size and path, and the median overhead.
 * Options: --rounds N (default 5) --out FILE (also write the figures as JSON)
 */
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import { GrpcMessageCounter, startExtensionRecorder } from '../src/local/extension-recorder';
import { arg } from './args';

const SIZES_MIB = [1, 10, 25];

function frame(bytes: number): Buffer {
  const message = Buffer.alloc(5 + bytes, 1);
  message[0] = 0;
  message.writeUInt32BE(bytes, 1);
  return message;
}

/** One unary call: resolves with its wall time in ms once the whole answer and its trailers arrived. */
function call(session: http2.ClientHttp2Session, request: Buffer): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': '/bench/Double', 'content-type': 'application/grpc', te: 'trailers' });
    const counter = new GrpcMessageCounter();
    stream.on('data', (chunk: Buffer) => counter.feed(chunk));
    stream.on('trailers', (trailers) => (trailers['grpc-status'] === '0' ? undefined : reject(new Error(`grpc-status ${trailers['grpc-status']}`))));
    stream.on('end', () => (counter.bytes === 2 * (request.length - 5) ? resolve(performance.now() - started) : reject(new Error(`short answer: ${counter.bytes} B`))));
    stream.on('error', reject);
    stream.end(request);
  });
}

const WINDOW = 32 * 1024 * 1024;
const connect = (port: number) => {
  const session = http2.connect(`http://127.0.0.1:${port}`, { maxSessionMemory: 1024, settings: { initialWindowSize: WINDOW } });
  session.on('connect', () => session.setLocalWindowSize(WINDOW));
  return session;
};

async function main(): Promise<void> {
  const rounds = Number(arg('rounds', '5'));
  const out = process.argv.includes('--out') ? arg('out', '') : undefined;
  const server = http2.createServer({ maxSessionMemory: 1024, settings: { initialWindowSize: WINDOW } });
  server.on('session', (s) => s.on('connect', () => s.setLocalWindowSize(WINDOW)));
  server.on('stream', (stream) => {
    const counter = new GrpcMessageCounter();
    stream.on('data', (chunk: Buffer) => counter.feed(chunk));
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frame(2 * counter.bytes));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (server.address() as AddressInfo).port;
  const recorder = await startExtensionRecorder({ host: '127.0.0.1', port: 0, upstream: `127.0.0.1:${upstreamPort}`, onCall: () => undefined });
  const direct = connect(upstreamPort);
  const proxied = connect(recorder.port);
  const figures: { mib: number; path: string; ms: number[] }[] = [];
  try {
    for (const mib of SIZES_MIB) {
      const request = frame(mib * 2 ** 20);
      await call(direct, request); // warm both paths once
      await call(proxied, request);
      const times = { direct: [] as number[], recorder: [] as number[] };
      for (let round = 0; round < rounds; round++) {
        // Alternate which path goes first, so neither always meets a warmer machine.
        const order: (keyof typeof times)[] = round % 2 === 0 ? ['direct', 'recorder'] : ['recorder', 'direct'];
        for (const path of order) times[path].push(await call(path === 'direct' ? direct : proxied, request));
      }
      figures.push({ mib, path: 'direct', ms: times.direct }, { mib, path: 'through the recorder', ms: times.recorder });
    }
  } finally {
    direct.close();
    proxied.close();
    await recorder.close();
    server.close();
  }
  const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  const lines = [`${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${rounds} alternating rounds; request of N MiB, answer of 2N MiB`, '', '| request | path | min | median | max | overhead (median) |', '|---:|---|---:|---:|---:|---:|'];
  for (const f of figures) {
    const base = figures.find((g) => g.mib === f.mib && g.path === 'direct')!;
    const overhead = f === base ? '—' : `+${fmt(median(f.ms) - median(base.ms))}`;
    lines.push(`| ${f.mib} MiB | ${f.path} | ${fmt(Math.min(...f.ms))} | ${fmt(median(f.ms))} | ${fmt(Math.max(...f.ms))} | ${overhead} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (out) fs.writeFileSync(out, `${JSON.stringify({ rounds, loadAverage: os.loadavg(), figures }, null, 1)}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench:extension-recorder: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});
