import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster, ClusterError, resolveClusterSource } from '../../src/kube/cluster';
import { IN_CLUSTER_CONTEXT, inClusterAvailable, loadInClusterConfig } from '../../src/kube/kubeconfig';

/** A temp dir standing in for /var/run/secrets/kubernetes.io/serviceaccount, plus an empty HOME. */
function setUp(): { root: string; saDir: string; home: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-in-cluster-'));
  const saDir = path.join(root, 'serviceaccount');
  const home = path.join(root, 'home');
  fs.mkdirSync(saDir);
  fs.mkdirSync(home);
  return { root, saDir, home };
}

/** Self-signed certificate for 127.0.0.1 (openssl; node:crypto cannot create certificates). */
function selfSigned(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kubernetes', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

describe('in-cluster configuration', () => {
  let root: string;
  let saDir: string;
  let home: string;
  beforeEach(() => ({ root, saDir, home } = setUp()));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const podEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ HOME: home, KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', ...extra });

  test('detected only with the service env vars and a mounted token', () => {
    expect(inClusterAvailable({ env: podEnv(), serviceAccountDir: saDir })).toBe(false); // no token yet
    fs.writeFileSync(path.join(saDir, 'token'), 't');
    expect(inClusterAvailable({ env: podEnv(), serviceAccountDir: saDir })).toBe(true);
    expect(inClusterAvailable({ env: { HOME: home }, serviceAccountDir: saDir })).toBe(false);
    expect(inClusterAvailable({ env: podEnv({ KUBERNETES_SERVICE_PORT: '' }), serviceAccountDir: saDir })).toBe(false);
  });

  test('a kubeconfig flag, KUBECONFIG or ~/.kube/config wins over the service account', () => {
    fs.writeFileSync(path.join(saDir, 'token'), 't');
    const inCluster = { env: podEnv(), serviceAccountDir: saDir };
    expect(resolveClusterSource({}, inCluster)).toEqual({ inCluster: true });
    const file = path.join(root, 'kubeconfig');
    fs.writeFileSync(file, 'apiVersion: v1\n');
    expect(resolveClusterSource({ kubeconfig: file }, inCluster)).toEqual({ kubeconfig: [file] });
    expect(resolveClusterSource({}, { ...inCluster, env: podEnv({ KUBECONFIG: file }) })).toEqual({ kubeconfig: [file] });
    fs.mkdirSync(path.join(home, '.kube'));
    fs.writeFileSync(path.join(home, '.kube', 'config'), 'apiVersion: v1\n');
    expect(resolveClusterSource({}, inCluster)).toEqual({ kubeconfig: [path.join(home, '.kube', 'config')] });
    // outside a pod, the usual error names the missing kubeconfig
    fs.rmSync(path.join(home, '.kube'), { recursive: true });
    expect(() => resolveClusterSource({}, { env: { HOME: home }, serviceAccountDir: saDir })).toThrow(/kubeconfig .* does not exist/);
  });

  test('server from the env (IPv6 bracketed), CA from ca.crt, context "in-cluster"', () => {
    fs.writeFileSync(path.join(saDir, 'token'), 'abc\n');
    fs.writeFileSync(path.join(saDir, 'ca.crt'), 'CA PEM');
    const config = loadInClusterConfig({ env: podEnv(), serviceAccountDir: saDir });
    expect(config.server).toBe('https://10.96.0.1:443');
    expect(config.contextName).toBe(IN_CLUSTER_CONTEXT);
    expect(config.tls.ca?.toString()).toBe('CA PEM');
    expect(config.tls.rejectUnauthorized).toBe(true);
    expect(loadInClusterConfig({ env: podEnv({ KUBERNETES_SERVICE_HOST: 'fd00::1' }), serviceAccountDir: saDir }).server).toBe('https://[fd00::1]:443');
    fs.rmSync(path.join(saDir, 'ca.crt'));
    expect(() => loadInClusterConfig({ env: podEnv(), serviceAccountDir: saDir })).toThrow(/cluster CA/);
  });

  test('the token is re-read after the refresh interval (it rotates), and reused within it', async () => {
    fs.writeFileSync(path.join(saDir, 'token'), 'first\n');
    fs.writeFileSync(path.join(saDir, 'ca.crt'), 'CA PEM');
    let now = 1_000_000;
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const config = loadInClusterConfig({ env: podEnv(), serviceAccountDir: saDir, tokenRefreshMs: 60_000 });
      expect(await config.authorization()).toBe('Bearer first');
      fs.writeFileSync(path.join(saDir, 'token'), 'second\n');
      now += 59_000;
      expect(await config.authorization()).toBe('Bearer first');
      now += 2_000;
      expect(await config.authorization()).toBe('Bearer second');
      // a rotation in progress (file briefly missing) keeps the last token
      fs.rmSync(path.join(saDir, 'token'));
      now += 61_000;
      expect(await config.authorization()).toBe('Bearer second');
    } finally {
      spy.mockRestore();
    }
  });

  test('--context other than "in-cluster" is refused in a pod without a kubeconfig', async () => {
    fs.writeFileSync(path.join(saDir, 'token'), 't');
    fs.writeFileSync(path.join(saDir, 'ca.crt'), 'CA PEM');
    await expect(Cluster.connect({ context: 'prod' }, { env: podEnv(), serviceAccountDir: saDir })).rejects.toThrow(ClusterError);
  });

  test('Cluster talks to a real HTTPS server with the CA and the rotating bearer token', async () => {
    const { cert, key } = selfSigned(root);
    fs.copyFileSync(cert, path.join(saDir, 'ca.crt'));
    fs.writeFileSync(path.join(saDir, 'token'), 'token-1\n');
    const seen: string[] = [];
    const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      const ok = req.headers.authorization === 'Bearer token-1' || req.headers.authorization === 'Bearer token-2';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { gitVersion: 'v1.36.3-test' } : { kind: 'Status', message: 'Unauthorized' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const env = podEnv({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) });
    const cluster = await Cluster.connect({}, { env, serviceAccountDir: saDir, tokenRefreshMs: 0 });
    try {
      expect(cluster.contextName).toBe('in-cluster');
      expect(cluster.server).toBe(`https://127.0.0.1:${port}`);
      expect(cluster.describe()).toBe(`context "in-cluster" at https://127.0.0.1:${port}`);
      expect(await cluster.version()).toEqual({ gitVersion: 'v1.36.3-test' });
      fs.writeFileSync(path.join(saDir, 'token'), 'token-2\n');
      expect((await cluster.request('GET', '/api')).status).toBe(200);
      expect(seen).toEqual([`GET /version Bearer token-1`, `GET /api Bearer token-2`]);
    } finally {
      cluster.close();
      await new Promise((resolve) => server.close(resolve));
    }
    // a CA that did not sign the server's certificate is refused
    const other = selfSigned(path.join(root, 'home'));
    fs.copyFileSync(other.cert, path.join(saDir, 'ca.crt'));
    const server2 = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => server2.listen(0, '127.0.0.1', resolve));
    const port2 = (server2.address() as AddressInfo).port;
    const untrusted = await Cluster.connect({}, { env: { ...env, KUBERNETES_SERVICE_PORT: String(port2) }, serviceAccountDir: saDir });
    try {
      await expect(untrusted.request('GET', '/version')).rejects.toThrow(/cannot reach/);
    } finally {
      untrusted.close();
      await new Promise((resolve) => server2.close(resolve));
    }
  });
});
