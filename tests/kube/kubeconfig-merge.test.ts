import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { Cluster } from '../../src/kube/cluster';
import { loadKubeconfig } from '../../src/kube/kubeconfig';

/** A real HTTP server that answers /version with the Authorization header it was sent. */
async function echoServer() {
  const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ gitVersion: req.headers.authorization })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const config = (currentContext: string | undefined, contexts: [string, string, string][], clusters: [string, Record<string, unknown>][], users: [string, string][]) =>
  YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    ...(currentContext ? { 'current-context': currentContext } : {}),
    contexts: contexts.map(([name, cluster, user]) => ({ name, context: { cluster, user } })),
    clusters: clusters.map(([name, cluster]) => ({ name, cluster })),
    users: users.map(([name, token]) => ({ name, user: { token } })),
  });

describe('several files in KUBECONFIG, merged as kubectl merges them', () => {
  let root: string;
  let servers: Awaited<ReturnType<typeof echoServer>>[];
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-kubeconfig-merge-'));
    servers = [await echoServer(), await echoServer(), await echoServer()];
    const [one, two, shadowed] = servers;
    for (const dir of ['first', 'second']) fs.mkdirSync(path.join(root, dir));
    // The second file's CA is relative to the second file: it exists only there.
    fs.writeFileSync(path.join(root, 'second', 'ca.crt'), 'not used over http, but read');
    fs.writeFileSync(path.join(root, 'first', 'config'), config('one', [['one', 'c1', 'u1']], [['c1', { server: one.url }]], [['u1', 'token-one']]));
    fs.writeFileSync(
      path.join(root, 'second', 'config'),
      config('two', [['two', 'c2', 'u2'], ['one', 'c-shadowed', 'u-shadowed']], [['c2', { server: two.url, 'certificate-authority': 'ca.crt' }], ['c1', { server: shadowed.url }], ['c-shadowed', { server: shadowed.url }]], [['u2', 'token-two'], ['u1', 'token-shadowed'], ['u-shadowed', 'token-shadowed']]),
    );
    // A missing entry is skipped, as kubectl skips it.
    env = { HOME: path.join(root, 'no-home'), KUBECONFIG: [path.join(root, 'missing'), path.join(root, 'first', 'config'), path.join(root, 'second', 'config')].join(path.delimiter) };
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const versionThrough = async (context?: string) => {
    const cluster = await Cluster.connect({ context }, { env });
    try {
      return { context: cluster.contextName, server: cluster.server, authorization: (await cluster.version()).gitVersion };
    } finally {
      cluster.close();
    }
  };

  test('the first file to set current-context or a name wins; every file contributes the rest', async () => {
    expect(await versionThrough()).toEqual({ context: 'one', server: servers[0].url, authorization: 'Bearer token-one' });
    expect(await versionThrough('two')).toEqual({ context: 'two', server: servers[1].url, authorization: 'Bearer token-two' });
  });

  test('a path is relative to the file that names it, and all files are kept for kubectl', () => {
    const files = env.KUBECONFIG!.split(path.delimiter).slice(1);
    const resolved = loadKubeconfig(files, 'two');
    expect(resolved.tls.ca?.toString()).toBe('not used over http, but read');
    expect(resolved.files).toEqual(files);
  });

  test('a --kubeconfig flag names exactly one file, which must exist', async () => {
    await expect(Cluster.connect({ kubeconfig: path.join(root, 'missing') }, { env })).rejects.toThrow(/kubeconfig .*missing does not exist/);
    await expect(Cluster.connect({ kubeconfig: path.join(root, 'first', 'config'), context: 'two' }, { env })).rejects.toThrow(/context "two" is not in/);
  });
});
