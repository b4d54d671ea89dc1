/**
 * `npm run bench:extension-recorder`: what the recording proxy adds to an extension call. A real HTTP/2 server
 * answers each gRPC-framed request with a message twice its size (as the AI Gateway extension server roughly
 * does); the same call goes to it directly (the baseline) and through the recorder, in alternating rounds, at
 * 1, 10 and 25 MiB. Options: --rounds 5 --page-dir docs
 */
import * as http2 from 'node:http2';
import { AddressInfo } from 'node:net';
import { GrpcMessageCounter, startExtensionRecorder } from '../src/local/extension-recorder';
import { commonOptions, runScript } from './harness/options';
import { BenchSection, Side } from './harness/section';

const SIZES_MIB = [1, 10, 25];
const WINDOW = 32 * 1024 * 1024;

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

const connect = (port: number) => {
  const session = http2.connect(`http://127.0.0.1:${port}`, { maxSessionMemory: 1024, settings: { initialWindowSize: WINDOW } });
  session.on('connect', () => session.setLocalWindowSize(WINDOW));
  return session;
};

/** The stand-in extension server: answers N bytes with 2N, as a gRPC message with status OK. */
async function startDoublingServer(): Promise<http2.Http2Server> {
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
  return server;
}

async function main(): Promise<void> {
  const section = new BenchSection({
    id: 'extension-recorder',
    title: 'Extension recorder',
    method:
      'What the recording h2c proxy that `local up --controllers` puts between Envoy Gateway and the AI Gateway extension server adds to one call. A real HTTP/2 server answers a gRPC message of N MiB with one of 2N MiB (the extension answer is about twice the request); the same call goes directly (the baseline) and through the recorder, over one kept-alive connection each, after one warm-up call per path.',
    ...commonOptions(),
  });
  const server = await startDoublingServer();
  const recorder = await startExtensionRecorder({ host: '127.0.0.1', port: 0, upstream: `127.0.0.1:${(server.address() as AddressInfo).port}`, onCall: () => undefined });
  const direct = connect((server.address() as AddressInfo).port);
  const proxied = connect(recorder.port);
  try {
    for (const mib of SIZES_MIB) {
      const request = frame(mib * 2 ** 20);
      await call(direct, request);
      await call(proxied, request);
      const side = (name: string, description: string, session: http2.ClientHttp2Session): Side => ({ name, description, run: async () => ({ metrics: { callMs: await call(session, request) } }) });
      const measured = await section.measure(`${mib}-mib`, `${mib} MiB request, ${2 * mib} MiB answer`, [
        side('through the recorder', 'client → recorder → server, the recorder counting both messages from their length prefixes.', proxied),
        side('direct', 'client → server.', direct),
      ]);
      measured.compare('through the recorder', 'direct', 'callMs');
    }
  } finally {
    direct.close();
    proxied.close();
    await recorder.close();
    server.close();
  }
  section.finish();
}

runScript(main);
