import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleMockProvider } from '../../src/mock-provider/bundle';
import { Child, LISTENING, chatBody, jsonHeaders, raw } from './helpers';

const ROOT = path.join(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'src', 'mock-provider', 'cli-entry.ts');
const BIN = path.join(ROOT, 'bin', 'aigw-scale.cjs');

const children: Child[] = [];
const track = (child: Child): Child => {
  children.push(child);
  return child;
};
afterEach(() => children.splice(0).forEach((child) => child.kill()));

/** Whether a new TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('SIGTERM drains in-flight requests, then the process exits 0', () => {
  test('a stream waiting for its first token and a delayed request both complete', async () => {
    const child = track(Child.spawn(['-r', 'tsx/cjs', ENTRY, '--port', '0', '--backend-id', 'backend-005']));
    const url = (await child.line(LISTENING))[1];
    const port = Number(new URL(url).port);

    // in flight 1: a stream whose first token comes 700 ms after its headers
    let streamText = '';
    const streamDone = new Promise<void>((resolve, reject) => {
      const req = http.request(`${url}/v1/chat/completions`, { method: 'POST', headers: jsonHeaders({ 'x-mock-ttft-ms': '700' }) }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (streamText += chunk));
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(chatBody('model-stream', { stream: true }));
    });
    // in flight 2: a whole answer delayed by 600 ms
    const delayed = raw(url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders({ 'x-mock-delay-ms': '600' }), body: chatBody('model-slow') });

    // both are inside the server (the metrics request itself is the third)
    await eventually(async () => (await raw(url, { path: '/metrics' })).text.includes('mock_provider_inflight_requests 3'));
    const signalled = performance.now();
    child.process.kill('SIGTERM');
    await eventually(() => refused(port)); // stops accepting at once …

    const answer = await delayed; // … while the accepted requests finish
    expect(answer.status).toBe(200);
    expect(answer.json.choices[0].message.content).toBe('mock answer from backend-005 for model-slow');
    expect(answer.headers.connection).toBe('close');
    await streamDone;
    expect(streamText).toContain('"content":" model-stream"');
    expect(streamText.endsWith('data: [DONE]\n\n')).toBe(true);

    expect(await child.exited).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(5000);
    expect(child.stdout).toMatch(/SIGTERM: stopping/);
    expect(child.stdout).toMatch(/draining 2 in-flight request\(s\)/);
    expect(child.stdout).toMatch(/mock provider stopped/);
  });

  test('idle keep-alive connections do not hold the exit back', async () => {
    const child = track(Child.spawn(['-r', 'tsx/cjs', ENTRY, '--port', '0']));
    const url = (await child.line(LISTENING))[1];
    const agent = new http.Agent({ keepAlive: true });
    try {
      expect((await raw(url, { path: '/healthz', agent })).status).toBe(200); // leaves an idle pooled socket
      const signalled = performance.now();
      child.process.kill('SIGTERM');
      expect(await child.exited).toBe(0);
      expect(performance.now() - signalled).toBeLessThan(2000); // not the 120 s keep-alive timeout
    } finally {
      agent.destroy();
    }
  });
});

describe('the bundle (dist/mock-provider.js) stands alone and runs', () => {
  let dir: string;
  let bundleFile: string;
  let code: string;
  beforeAll(async () => {
    code = await bundleMockProvider();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bundle-'));
    bundleFile = path.join(dir, 'mock-provider.js');
    fs.writeFileSync(bundleFile, code);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('one CommonJS file that requires node built-ins only', () => {
    expect(code.startsWith('#!/usr/bin/env node\n')).toBe(true);
    const required = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !name.startsWith('node:'))).toEqual([]);
    expect(code).not.toMatch(/\bimport\s*\(/);
  });

  test('the same sources give the same bytes', async () => {
    expect(await bundleMockProvider()).toBe(code);
  });

  test('`node mock-provider.js` serves /healthz and chat from a directory without node_modules, settings from env', async () => {
    const child = track(new Child(require('node:child_process').spawn(process.execPath, [bundleFile, '--port', '0'], {
      cwd: dir,
      env: { PATH: process.env.PATH, MOCK_BACKEND_ID: 'backend-env', MOCK_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })));
    const url = (await child.line(LISTENING))[1];
    const health = await raw(url, { path: '/healthz' });
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok' });
    const chat = await raw(url, { method: 'POST', path: '/v1/chat/completions', headers: jsonHeaders(), body: chatBody('model-b') });
    expect(chat.json.choices[0].message.content).toBe('mock answer from backend-env for model-b');
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  test('bad flags exit 2 naming every problem; --help lists the flags', () => {
    const bad = spawnSync(process.execPath, [bundleFile, '--port', '70000', '--error-rate', '2', '--error-status', '200', '--delay-ms', 'soon'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    for (const flag of ['--port', '--error-rate', '--error-status', '--delay-ms']) expect(bad.stderr).toContain(flag);
    const unknown = spawnSync(process.execPath, [bundleFile, '--no-such-flag'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('usage: node mock-provider.js');
    const fromEnv = spawnSync(process.execPath, [bundleFile], { encoding: 'utf8', env: { PATH: process.env.PATH, MOCK_ERROR_RATE: 'lots' } });
    expect(fromEnv.status).toBe(2);
    expect(fromEnv.stderr).toContain('MOCK_ERROR_RATE: got "lots"');
    const help = spawnSync(process.execPath, [bundleFile, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--inter-token-ms <ms>.*\[MOCK_INTER_TOKEN_MS\]/);
  });
});

describe('aigw-scale mock serve', () => {
  test('prints the URL, answers as the given backend, and stops on SIGTERM', async () => {
    const child = track(Child.spawn([BIN, 'mock', 'serve', '--port', '0', '--backend-id', 'backend-cli', '--models', 'x,y']));
    const url = (await child.line(LISTENING, 20_000))[1];
    const models = await raw(url, { path: '/v1/models' });
    expect(models.headers['x-mock-backend-id']).toBe('backend-cli');
    expect(models.json.data.map((m: { id: string }) => m.id)).toEqual(['x', 'y']);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  }, 30_000);

  test('invalid flags are a usage error (exit 2) before anything listens', () => {
    const result = spawnSync(process.execPath, [BIN, 'mock', 'serve', '--port', '-1', '--error-status', '302'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--port: got -1');
    expect(result.stderr).toContain('--error-status: got 302');
    expect(result.stdout).not.toContain('listening');
  }, 30_000);
});
