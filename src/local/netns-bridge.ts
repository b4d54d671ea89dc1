/**
 * Joining a process in a network namespace of its own (`unshare --net`) to this host's loopback: a forwarder
 * script both sides run, and the readiness checks that go through it.
 */
import * as http from 'node:http';
import * as net from 'node:net';

/**
 * A dependency-free TCP/Unix-socket forwarder for `node -e`. Arguments: `FROM=>TO` pairs (`tcp:HOST:PORT` or
 * `unix:PATH`), `--ready FILE` (written once every listener is up), `--exit-with-parent` (exit when the parent
 * process is gone: the netns side's parent is the Envoy Gateway process it serves).
 */
export const FORWARDER_JS = `
const net = require('net'), fs = require('fs');
const args = process.argv.slice(1);
const parse = (s) => s.startsWith('unix:') ? { path: s.slice(5) } : { host: s.split(':')[1], port: Number(s.split(':')[2]) };
const pairs = args.filter((a) => a.includes('=>')).map((a) => a.split('=>').map(parse));
let pending = pairs.length;
const ready = args[args.indexOf('--ready') + 1];
for (const [from, to] of pairs) {
  const server = net.createServer((client) => {
    const upstream = net.connect(to);
    client.pipe(upstream); upstream.pipe(client);
    client.on('error', () => upstream.destroy()); upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy()); upstream.on('close', () => client.destroy());
  });
  if (from.path) try { fs.unlinkSync(from.path); } catch {}
  server.listen(from, () => { if (--pending === 0 && args.includes('--ready')) fs.writeFileSync(ready, String(process.pid)); });
}
if (args.includes('--exit-with-parent')) { const parent = process.ppid; setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 1000); }
process.on('SIGTERM', () => process.exit(0));
`;

/** A TCP connect succeeds within a second. */
export function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/** A GET answers 200 within a second (a URL, or options such as a Unix socket path). */
export function httpOk(target: string | http.RequestOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(target, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.setTimeout(1000, () => request.destroy());
  });
}
