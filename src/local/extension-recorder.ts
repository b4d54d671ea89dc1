/**
 * A recording gRPC proxy between Envoy Gateway and the AI Gateway extension server (h2c, as the two talk in a
 * cluster): every call is forwarded unchanged and logged as one JSON line with the sizes of its gRPC messages,
 * read from each message's 5-byte length prefix, and its grpc-status. That is how the benchmark learns how big
 * the message behind the one gRPC knob is at each route count, which neither controller reports.
 *
 * A message that Envoy Gateway's own client refuses to send (larger than its maxMessageSize) never reaches this
 * proxy: that failure is only in Envoy Gateway's log (see extension-log.ts).
 *
 * Runs as its own process under `local up --controllers`: `node -r tsx/cjs extension-recorder.ts --listen
 * 127.0.0.1:PORT --upstream HOST:PORT --out FILE`.
 */
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import { ExtensionCall } from '../results/schema';

/** Counts gRPC messages and their payload bytes in a stream of DATA chunks (length-prefixed messages). */
export class GrpcMessageCounter {
  messages = 0;
  bytes = 0;
  private readonly header = Buffer.alloc(5);
  private headerFill = 0;
  private remaining = 0;

  feed(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        continue;
      }
      const take = Math.min(5 - this.headerFill, chunk.length - i);
      chunk.copy(this.header, this.headerFill, i, i + take);
      this.headerFill += take;
      i += take;
      if (this.headerFill === 5) {
        this.remaining = this.header.readUInt32BE(1);
        this.bytes += this.remaining;
        this.messages++;
        this.headerFill = 0;
      }
    }
  }
}

export interface ExtensionRecorderOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** host:port of the real extension server. */
  readonly upstream: string;
  readonly onCall: (call: ExtensionCall) => void;
}

// Large messages (25 MiB and more) pass through: generous flow-control windows and session memory.
const WINDOW = 32 * 1024 * 1024;
const SESSION_OPTIONS = { maxSessionMemory: 1024, settings: { initialWindowSize: WINDOW } };
const END_STREAM = http2.constants.NGHTTP2_FLAG_END_STREAM;

/** Starts the proxy; resolves with the port it listens on and a close function. */
export async function startExtensionRecorder(options: ExtensionRecorderOptions): Promise<{ port: number; close: () => Promise<void> }> {
  let upstream: http2.ClientHttp2Session | undefined;
  const session = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      const connection = http2.connect(`http://${options.upstream}`, SESSION_OPTIONS);
      connection.on('error', () => connection.destroy());
      connection.on('connect', () => connection.setLocalWindowSize(WINDOW));
      upstream = connection;
    }
    return upstream;
  };

  const server = http2.createServer(SESSION_OPTIONS);
  server.on('session', (s) => s.on('connect', () => s.setLocalWindowSize(WINDOW)));
  server.on('stream', (stream, headers) => {
    const startedMs = Date.now();
    const request = new GrpcMessageCounter();
    const response = new GrpcMessageCounter();
    let status: number | undefined;
    let message: string | undefined;
    const noteStatus = (h: http2.IncomingHttpHeaders) => {
      if (h['grpc-status'] !== undefined) status = Number(h['grpc-status']);
      if (typeof h['grpc-message'] === 'string') message = decodeURIComponent(h['grpc-message']).slice(0, 500);
    };
    let trailers: http2.OutgoingHttpHeaders = {};
    const forward = session().request(passThrough(headers), { endStream: false });
    stream.on('data', (chunk: Buffer) => request.feed(chunk));
    stream.pipe(forward);
    forward.on('response', (responseHeaders, flags) => {
      noteStatus(responseHeaders);
      const trailersOnly = (flags & END_STREAM) !== 0;
      stream.respond(passThrough(responseHeaders), trailersOnly ? { endStream: true } : { waitForTrailers: true });
      if (!trailersOnly) forward.pipe(stream);
    });
    forward.on('data', (chunk: Buffer) => response.feed(chunk));
    forward.on('trailers', (responseTrailers) => {
      noteStatus(responseTrailers);
      trailers = passThrough(responseTrailers);
    });
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    forward.on('error', (error) => {
      status ??= 14; // UNAVAILABLE: the extension server could not be reached
      message ??= error.message;
      if (!stream.headersSent && !stream.destroyed) stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': encodeURIComponent(error.message) }, { endStream: true });
      else stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
    stream.on('error', () => forward.close(http2.constants.NGHTTP2_CANCEL));
    stream.on('close', () => {
      if (!forward.closed) forward.close(http2.constants.NGHTTP2_CANCEL);
      options.onCall({
        t: startedMs,
        method: String(headers[':path'] ?? '').split('/').pop() ?? '',
        requestBytes: request.bytes,
        requestMessages: request.messages,
        responseBytes: response.bytes,
        ...(status !== undefined && { grpcStatus: status }),
        ...(message && { grpcMessage: message }),
        durationMs: Date.now() - startedMs,
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        upstream?.close();
        server.close(() => resolve());
      }),
  };
}

/** Headers as they are forwarded: all but :scheme and :authority, which Node sets for its own connection. */
function passThrough(headers: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (name !== ':scheme' && name !== ':authority') out[name] = value;
  return out;
}

function argument(args: string[], name: string): string {
  const index = args.indexOf(name);
  if (index < 0 || !args[index + 1]) throw new Error(`extension-recorder: ${name} is required`);
  return args[index + 1];
}

/** The process entry point: appends one JSON line per call to --out, and writes --ready once listening. */
async function main(args: string[]): Promise<void> {
  const [host, port] = argument(args, '--listen').split(':');
  const out = fs.openSync(argument(args, '--out'), 'a');
  await startExtensionRecorder({ host, port: Number(port), upstream: argument(args, '--upstream'), onCall: (call) => fs.writeSync(out, `${JSON.stringify(call)}\n`) });
  fs.writeFileSync(argument(args, '--ready'), '');
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`extension-recorder: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
