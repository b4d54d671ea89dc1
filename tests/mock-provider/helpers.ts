import { ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import OpenAI from 'openai';
import { MockProvider, MockProviderOptions, resolveMockOptions, startMockProvider } from '../../src/mock-provider';

/** The fault settings of a server started without fault options: nothing injected. */
export const DEFAULT_FAULTS = resolveMockOptions({}).faults;

/** Starts mock providers on 127.0.0.1, any free port, and closes them after each test file. */
export function useMocks(): (options?: MockProviderOptions) => Promise<MockProvider> {
  const started: MockProvider[] = [];
  afterAll(async () => {
    await Promise.all(started.map((mock) => mock.close()));
  });
  return async (options = {}) => {
    const mock = await startMockProvider({ host: '127.0.0.1', port: 0, ...options });
    started.push(mock);
    return mock;
  };
}

/** The official client against a mock: no retries, so injected faults surface as they are. */
export function clientFor(mock: MockProvider, apiKey = 'sk-test-not-a-real-key'): OpenAI {
  return new OpenAI({ baseURL: `${mock.url}/v1`, apiKey, maxRetries: 0, timeout: 10_000 });
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: any;
  /** Whether the request went over a kept-alive connection of the agent. */
  readonly reusedSocket: boolean;
}

export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: http.OutgoingHttpHeaders;
  readonly body?: string | Buffer;
  /** Send the body in these pieces with chunked transfer encoding (no content-length). */
  readonly chunks?: readonly (string | Buffer)[];
  readonly agent?: http.Agent;
}

/** One request with node:http, so tests control every header and byte (Host, content type, bad bodies). */
export function raw(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}${request.path}`,
      { method: request.method ?? 'GET', headers: request.headers, agent: request.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, reusedSocket: req.reusedSocket });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (request.chunks) {
      for (const chunk of request.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(request.body);
    }
  });
}

export const jsonHeaders = (extra: http.OutgoingHttpHeaders = {}): http.OutgoingHttpHeaders => ({ 'content-type': 'application/json', ...extra });

/** A chat request body as JSON text. */
export const chatBody = (model: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello there' }], ...extra });

/** Asserts the OpenAI error shape and returns the inner error. */
export function expectOpenAIError(response: RawResponse, status: number, code?: string): { message: string; type: string; param: string | null; code: string | null } {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/json');
  expect(Object.keys(response.json)).toEqual(['error']);
  expect(Object.keys(response.json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof response.json.error.message).toBe('string');
  expect(response.json.error.message.length).toBeGreaterThan(0);
  if (code !== undefined) expect(response.json.error.code).toBe(code);
  return response.json.error;
}

/** A child process of ours with its output collected; `line` waits for a line matching the pattern. */
export class Child {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly process: ChildProcess) {
    process.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    process.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }

  static spawn(args: string[], env: NodeJS.ProcessEnv = {}): Child {
    return new Child(spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  async line(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stdout);
      if (match) return match;
      if (this.process.exitCode !== null) throw new Error(`process exited ${this.process.exitCode} before printing ${pattern}: ${this.stdout}${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}: ${this.stdout}${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Kills the process if a test left it running. */
  kill(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }
}

export const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
