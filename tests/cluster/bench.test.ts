import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { Cluster } from '../../src/kube/cluster';
import { startMockProvider } from '../../src/mock-provider';
import { parseResults } from '../../src/results/schema';
import { StandInGateway } from '../../src/local/stand-in-gateway';
import { BIN, cliAsync, cliAwait, connect, ensureCrds, kubeconfig, list } from './support';

const ACTIVATION_DELAY_MS = 1500;

describe('aigw-scale bench on the local control plane, through the STAND-IN gateway (no Envoy here)', () => {
  let cluster: Cluster;
  let mock: Awaited<ReturnType<typeof startMockProvider>>;
  let gateway: StandInGateway;
  let out: string;
  /** Everything the CLI printed in this suite, for the secrets check at the end. */
  const printed: string[] = [];
  const bench = async (...args: string[]) => {
    const result = await cliAwait(...args);
    printed.push(result.stdout, result.stderr);
    return result;
  };
  beforeAll(async () => {
    cluster = await connect();
    await ensureCrds(cluster);
    mock = await startMockProvider({ host: '127.0.0.1', port: 0 });
    gateway = await new StandInGateway(cluster, 'bench-e2e', { host: '127.0.0.1', port: mock.port }, ACTIVATION_DELAY_MS).start();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bench-'));
  });
  afterAll(async () => {
    await gateway.stop();
    await mock.close();
    cluster.close();
    fs.rmSync(out, { recursive: true, force: true });
  });

  test('provisions, proves every route reaches its own backend, samples, reports and cleans up', async () => {
    const result = await bench('bench', '--routes', '120', '--backends', '4', '--namespace', 'bench-e2e', '--fixture-id', 'e2e', '--gateway-url', gateway.url, '--stand-in', '--allow-missing-controllers', '--sample-interval', '500', '--out', out, '--json');
    expect(result.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toMatchObject({ exitCode: 0, runs: [{ ready: 119, routes: 119, failures: 0, interrupted: false, valid: true }] });

    const results = parseResults(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    const created = new Map(results.milestones.filter((m) => m.milestone === 'created').map((m) => [m.object, m]));
    const firstSuccesses = results.milestones.filter((m) => m.milestone === 'firstSuccess');
    const ready = new Map(results.milestones.filter((m) => m.milestone === 'ready').map((m) => [m.object, m]));
    expect(created.size).toBe(119);
    expect(firstSuccesses).toHaveLength(119);
    expect(ready.size).toBe(119);
    for (const success of firstSuccesses) {
      const ttfs = success.clientTimeMs - created.get(success.object)!.clientTimeMs;
      // The stand-in activates a route 1.5 s after it first lists it (it lists every 100 ms); probes every 100 ms.
      // No success before the stand-in routed it (both clocks are this machine's epoch ms). Against `created` the
      // bound is looser: on a loaded machine the CLI may record a create's return after the stand-in listed it.
      const model = success.object.replace(/.*route-/, 'model-');
      expect(success.clientTimeMs).toBeGreaterThanOrEqual(gateway.activations.get(model)![0] - 5);
      expect(ttfs).toBeGreaterThanOrEqual(ACTIVATION_DELAY_MS / 2);
      expect(ttfs).toBeLessThan(ACTIVATION_DELAY_MS + 5000); // generous: CI machines are loaded
      // Ready takes the default 3 successes in a row: two more probes at least one interval (100 ms) apart.
      expect(ready.get(success.object)!.clientTimeMs - success.clientTimeMs).toBeGreaterThanOrEqual(200);
    }
    expect(results.scenario).toMatchObject({ fixture: { routes: 120, backends: 4 }, load: { shape: { type: 'all-at-once' } }, probe: { consecutiveSuccesses: 3 } });
    expect(created.get('AIGatewayRoute/bench-e2e/route-000002')!.serverTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(results.phases.map((p) => p.phase)).toEqual(['preflight', 'warm-up', 'provision', 'validate', 'cleanup']);
    expect(results.run.mode).toBe('stand-in');
    expect(new Set(results.samples.map((s) => s.component))).toEqual(new Set(['kube-apiserver', 'etcd', 'runner']));
    expect(Math.max(...results.samples.map((s) => s.liveObjects))).toBe(120);
    expect(results.notMeasured.join('\n')).toMatch(/envoy-gateway.*not found/);
    expect(fs.existsSync(path.join(out, 'report.md'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'report.html'))).toBe(true);

    // Cleanup left nothing of the run.
    expect(await list(cluster, '/apis/aigateway.envoyproxy.io/v1beta1/aigatewayroutes', 'aigw-scale/fixture=e2e')).toHaveLength(0);
    expect((await cluster.requestRetrying('GET', '/api/v1/namespaces/bench-e2e')).status).toBe(404);
  });

  test('Ctrl-C stops the run, writes what was measured and cleans up', async () => {
    const interruptedOut = path.join(out, 'interrupted');
    const child = cliAsync('bench', '--routes', '400', '--namespace', 'bench-e2e', '--fixture-id', 'e2e-int', '--gateway-url', gateway.url, '--stand-in', '--allow-missing-controllers', '--batch-size', '20', '--batch-interval', '500', '--out', interruptedOut);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    while (child.exitCode === null && !stderr.includes('== provision')) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)));
    expect(code).toBe(130);
    const results = parseResults(fs.readFileSync(path.join(interruptedOut, 'results.json'), 'utf8'));
    expect(results.run.interrupted).toBe(true);
    expect(results.milestones.filter((m) => m.milestone === 'created').length).toBeGreaterThan(0);
    expect(results.milestones.filter((m) => m.milestone === 'created').length).toBeLessThan(399);
    expect(await list(cluster, '/apis/aigateway.envoyproxy.io/v1beta1/aigatewayroutes', 'aigw-scale/fixture=e2e-int')).toHaveLength(0);
  });

  test('bad input fails before anything is created', async () => {
    const down = await bench('bench', '--routes', '10', '--namespace', 'bench-down', '--fixture-id', 'down', '--gateway-url', 'http://127.0.0.1:1', '--allow-missing-controllers', '--out', path.join(out, 'down'));
    expect(down.status).toBe(1);
    expect(down.stderr).toContain('the gateway at http://127.0.0.1:1 does not answer');
    const missing = await bench('bench', '--routes', '10', '--namespace', 'bench-down', '--fixture-id', 'down', '--gateway-url', gateway.url, '--out', path.join(out, 'down'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('envoy-gateway not found');
    const invalid = await bench('bench', '--routes', '0', '--gateway-url', gateway.url, '--out', path.join(out, 'down'));
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toContain('--routes: got 0');
  });

  test('nothing was left behind by the refused runs', async () => {
    expect((await cluster.requestRetrying('GET', '/api/v1/namespaces/bench-down')).status).toBe(404);
  });

  test('the local admin token appears in no CLI output, results.json, report or log', async () => {
    const token: string = YAML.parse(fs.readFileSync(kubeconfig(), 'utf8')).users[0].user.token;
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    // A kubeconfig broken on the token's own line: the parse error must not quote it.
    const broken = path.join(out, 'broken-kubeconfig');
    fs.writeFileSync(broken, fs.readFileSync(kubeconfig(), 'utf8').replace(`token: ${token}`, `token: ${token}: x`), { mode: 0o600 });
    const refused = spawnSync(process.execPath, [BIN, 'delete', '--fixture', 'none', '--kubeconfig', broken], { encoding: 'utf8' });
    expect(refused.stderr).toContain('not valid YAML');
    printed.push(refused.stdout, refused.stderr);

    const filesUnder = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const written = filesUnder(out).filter((file) => file !== broken);
    expect(written.map((file) => path.basename(file))).toEqual(expect.arrayContaining(['results.json', 'report.md', 'report.html']));
    const logs = filesUnder(path.join(process.env.AIGW_SCALE_TEST_LOCAL_DIR!, 'logs'));
    expect(logs.length).toBeGreaterThanOrEqual(5); // etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok
    const holding = [...written, ...logs].filter((file) => fs.readFileSync(file, 'utf8').includes(token));
    expect({ files: holding, printed: printed.filter((text) => text.includes(token)) }).toEqual({ files: [], printed: [] });
  });
});
