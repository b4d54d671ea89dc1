import * as http2 from 'node:http2';
import { AddressInfo } from 'node:net';
import { GrpcMessageCounter, startExtensionRecorder } from '../../src/local/extension-recorder';
import { ExtensionCall } from '../../src/results/schema';

/** One gRPC message: flag byte, 4-byte big-endian length, payload. */
function frame(payload: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(payload.length, 1);
  return Buffer.concat([prefix, payload]);
}

describe('GrpcMessageCounter', () => {
  it('counts messages and payload bytes however the stream is chunked', () => {
    const stream = Buffer.concat([frame(Buffer.alloc(3, 1)), frame(Buffer.alloc(0)), frame(Buffer.alloc(70_000, 2))]);
    for (const chunkSize of [1, 4, 5, 6, 4096, stream.length]) {
      const counter = new GrpcMessageCounter();
      for (let i = 0; i < stream.length; i += chunkSize) counter.feed(stream.subarray(i, i + chunkSize));
      expect({ chunkSize, messages: counter.messages, bytes: counter.bytes }).toEqual({ chunkSize, messages: 3, bytes: 70_003 });
    }
  });
});

describe('the extension recorder (a real HTTP/2 server behind it)', () => {
  let upstream: http2.Http2Server;
  let recorder: { port: number; close: () => Promise<void> };
  const calls: ExtensionCall[] = [];

  beforeAll(async () => {
    // A gRPC-shaped server: /svc/Double answers a message twice the request's size; /svc/Refuse answers trailers-only with an error.
    upstream = http2.createServer();
    upstream.on('stream', (stream, headers) => {
      if (headers[':path'] === '/svc/Refuse') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '8', 'grpc-message': encodeURIComponent('received message larger than max (5 vs. 4)') }, { endStream: true });
        return;
      }
      const counter = new GrpcMessageCounter();
      stream.on('data', (chunk: Buffer) => counter.feed(chunk));
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(frame(Buffer.alloc(counter.bytes * 2, 7)));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    recorder = await startExtensionRecorder({ host: '127.0.0.1', port: 0, upstream: `127.0.0.1:${(upstream.address() as AddressInfo).port}`, onCall: (call) => calls.push(call) });
  });
  afterAll(async () => {
    await recorder.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  const call = (path: string, payload: Buffer) =>
    new Promise<{ headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const client = http2.connect(`http://127.0.0.1:${recorder.port}`);
      client.on('error', reject);
      const request = client.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
      const chunks: Buffer[] = [];
      let headers: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      request.on('response', (h) => (headers = h));
      request.on('trailers', (t) => (trailers = t));
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        client.close();
        resolve({ headers, trailers, body: Buffer.concat(chunks) });
      });
      request.on('error', reject);
      request.end(frame(payload));
    });

  it('forwards a 6 MiB message and its answer unchanged and logs both sizes and the status', async () => {
    const sent = Buffer.alloc(6 * 1024 * 1024, 3);
    const answer = await call('/svc/Double', sent);
    expect(answer.trailers['grpc-status']).toBe('0');
    const counter = new GrpcMessageCounter();
    counter.feed(answer.body);
    expect(counter.bytes).toBe(2 * sent.length);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.at(-1)).toMatchObject({ method: 'Double', requestBytes: sent.length, requestMessages: 1, responseBytes: 2 * sent.length, grpcStatus: 0 });
  });

  it('passes a trailers-only error through and logs its status and message', async () => {
    const answer = await call('/svc/Refuse', Buffer.alloc(10));
    expect(answer.headers['grpc-status']).toBe('8');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.at(-1)).toMatchObject({ method: 'Refuse', requestBytes: 10, grpcStatus: 8, grpcMessage: 'received message larger than max (5 vs. 4)' });
  });
});
