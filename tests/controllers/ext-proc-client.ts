import * as http2 from 'node:http2';
import * as net from 'node:net';

/**
 * A minimal ext_proc client for the tests (no gRPC library: node:http2 and a few protobuf fields by hand, field
 * numbers from envoy/service/ext_proc/v3 and config/core/v3).
 *
 * The models the extproc serves now: one ext_proc stream carrying only the request headers of
 * `GET /v1/models` (what Envoy sends first), answered by the extproc's models processor with an immediate
 * response whose body is the OpenAI model list of its loaded config — the positive proof of a load, which its
 * log does not give. `target` is host:port or a Unix socket path.
 */
export function queryModels(target: string, host?: string, timeoutMs = 5000): Promise<string[]> {
  const headers = [[':path', '/v1/models'], [':method', 'GET'], ...(host ? [[':authority', host]] : [])];
  const headerMap = headers.map(([k, v]) => field(1, Buffer.concat([field(1, Buffer.from(k!)), field(3, Buffer.from(v!))])));
  const httpHeaders = Buffer.concat([field(1, Buffer.concat(headerMap)), Buffer.from([0x18, 1])]); // end_of_stream = true
  const request = field(2, httpHeaders); // ProcessingRequest.request_headers
  const frame = Buffer.alloc(5 + request.length);
  frame.writeUInt32BE(request.length, 1);
  request.copy(frame, 5);
  return new Promise((resolve, reject) => {
    const socketPath = target.includes('/') ? target : undefined;
    const session = socketPath ? http2.connect('http://localhost', { createConnection: () => net.connect(socketPath) }) : http2.connect(`http://${target}`);
    let timer: NodeJS.Timeout | undefined = undefined;
    const fail = (error: Error) => (clearTimeout(timer), session.destroy(), reject(error));
    timer = setTimeout(() => fail(new Error(`no /v1/models answer from the extproc at ${target} within ${timeoutMs} ms`)), timeoutMs);
    session.on('error', fail);
    const stream = session.request({ ':method': 'POST', ':path': '/envoy.service.ext_proc.v3.ExternalProcessor/Process', 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const data = Buffer.concat(chunks);
      if (data.length < 5 || data.length < 5 + data.readUInt32BE(1)) return;
      clearTimeout(timer);
      stream.removeAllListeners('close');
      try {
        const immediate = fieldsOf(data.subarray(5, 5 + data.readUInt32BE(1))).get(7); // ProcessingResponse.immediate_response
        const body = immediate && fieldsOf(immediate).get(3); // ImmediateResponse.body
        if (!body) throw new Error(`the extproc did not answer /v1/models with an immediate response`);
        resolve((JSON.parse(body.toString('utf8')) as { data: { id: string }[] }).data.map((m) => m.id));
      } catch (error) {
        reject(error as Error);
      }
      stream.close();
      session.close();
    });
    stream.on('error', fail);
    stream.on('trailers', (trailers) => {
      if (trailers['grpc-status'] !== '0') fail(new Error(`the extproc answered gRPC status ${trailers['grpc-status']}: ${trailers['grpc-message'] ?? ''}`));
    });
    stream.on('close', () => fail(new Error(`the ext_proc stream to ${target} closed without an answer`)));
    stream.end(frame);
  });
}

/** A length-delimited protobuf field. */
function field(no: number, value: Buffer): Buffer {
  return Buffer.concat([varint((no << 3) | 2), varint(value.length), value]);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  for (; n > 0x7f; n >>>= 7) bytes.push((n & 0x7f) | 0x80);
  bytes.push(n);
  return Buffer.from(bytes);
}

/** The length-delimited fields of a protobuf message (last one wins), skipping the others. */
function fieldsOf(message: Buffer): Map<number, Buffer> {
  const fields = new Map<number, Buffer>();
  let pos = 0;
  const readVarint = () => {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = message[pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
    }
  };
  while (pos < message.length) {
    const key = readVarint();
    const wire = key & 7;
    if (wire === 0) readVarint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const length = readVarint();
      fields.set(Math.floor(key / 8), message.subarray(pos, pos + length));
      pos += length;
    } else throw new Error(`unexpected protobuf wire type ${wire}`);
  }
  return fields;
}

