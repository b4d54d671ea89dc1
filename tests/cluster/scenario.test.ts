/**
 * The done-when test of scenario files: examples/scenarios/local-smoke.yaml (steps with holds and a health gate,
 * a churn cycle, an AIGatewayRoute Accepted milestone, SLO gates) runs against the local control plane through the
 * STAND-IN gateway; an impossible gate gives exit 3 and a JUnit failure naming it; `--repeat 3` runs compared
 * across a planted regression (slower route activation) are significant, across an unchanged rerun are not.
 * No AI Gateway controller runs here, so the test itself accepts each route through the /status subresource.
 */
import { DOMParser } from '@xmldom/xmldom';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from '../../src/kube/cluster';
import { startMockProvider } from '../../src/mock-provider';
import { BenchResults, parseResults } from '../../src/results/schema';
import { StandInGateway } from '../../src/local/stand-in-gateway';
import { BIN, cliAwait, connect, ensureCrds, list } from './support';

const SCENARIO = path.join(__dirname, '..', '..', 'examples', 'scenarios', 'local-smoke.yaml');
const NAMESPACE = 'aigw-scale-smoke';
const ROUTES_PATH = `/apis/aigateway.envoyproxy.io/v1beta1/namespaces/${NAMESPACE}/aigatewayroutes`;
/** Activation delay of the stand-in: the baseline, and the planted regression. */
const BASE_DELAY_MS = 200;
const SLOW_DELAY_MS = 1200;

/** `aigw-scale compare` (no cluster, so no --kubeconfig), without blocking this process. */
function compare(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'compare', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

/**
 * Stands in for the AI Gateway controller's status: every AIGatewayRoute without Accepted=True gets it through
 * /status, once per object (by UID, so a churned route's new life is accepted again).
 */
class RouteAccepter {
  private readonly accepted = new Set<string>();
  private timer?: NodeJS.Timeout;
  written = 0;

  constructor(private readonly cluster: Cluster) {}

  start(): this {
    const loop = () => void this.pass().finally(() => this.timer && (this.timer = setTimeout(loop, 100)));
    this.timer = setTimeout(loop, 100);
    return this;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async pass(): Promise<void> {
    const response = await this.cluster.request('GET', ROUTES_PATH);
    if (response.status !== 200) return;
    const pending = (response.body.items ?? []).filter((route: any) => !this.accepted.has(route.metadata.uid));
    await Promise.all(
      pending.map(async (route: any) => {
        const lastTransitionTime = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
        const conditions = [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'accepted by the scenario test', lastTransitionTime }];
        const written = await this.cluster.request('PATCH', `${ROUTES_PATH}/${route.metadata.name}/status`, { status: { conditions } }, 'application/merge-patch+json');
        if (written.status === 200) {
          this.accepted.add(route.metadata.uid);
          this.written++;
        }
      }),
    );
  }
}

describe('a scenario file on the local control plane, through the STAND-IN gateway (no Envoy here)', () => {
  let cluster: Cluster;
  let mock: Awaited<ReturnType<typeof startMockProvider>>;
  let gateway: StandInGateway;
  let slowGateway: StandInGateway;
  let accepter: RouteAccepter;
  let out: string;
  beforeAll(async () => {
    cluster = await connect();
    await ensureCrds(cluster);
    mock = await startMockProvider({ host: '127.0.0.1', port: 0 });
    gateway = await new StandInGateway(cluster, NAMESPACE, { host: '127.0.0.1', port: mock.port }, BASE_DELAY_MS).start();
    slowGateway = await new StandInGateway(cluster, NAMESPACE, { host: '127.0.0.1', port: mock.port }, SLOW_DELAY_MS).start();
    accepter = new RouteAccepter(cluster).start();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-scenario-'));
  });
  afterAll(async () => {
    accepter.stop();
    await gateway.stop();
    await slowGateway.stop();
    await mock.close();
    cluster.close();
    fs.rmSync(out, { recursive: true, force: true });
  });

  const bench = (dir: string, gatewayUrl: string, ...flags: string[]) => cliAwait('bench', '--scenario', SCENARIO, '--gateway-url', gatewayUrl, '--out', path.join(out, dir), '--json', ...flags);
  const readRun = (...parts: string[]): BenchResults => parseResults(fs.readFileSync(path.join(out, ...parts, 'results.json'), 'utf8'));

  test('steps, churn, a status milestone and SLO gates: the run passes, the report shows per-milestone percentiles', async () => {
    const result = await bench('smoke', gateway.url, '--fixture-id', 'smoke', '--junit', path.join(out, 'smoke', 'junit.xml'));
    expect(result.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, stderr: '' });
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ exitCode: 0, runs: [{ id: 'smoke', ready: 29, routes: 29, failures: 0, valid: true }] });
    expect(summary.runs[0].gates.map((g: any) => [g.metric, g.passed])).toEqual([
      ['milestone.routeAccepted.p99', true],
      ['milestone.ready.p99', true],
      ['errorRate', true],
    ]);

    const results = readRun('smoke');
    expect(results.scenario?.name).toBe('local-smoke');
    // Steps (with holds) then one churn cycle, each recorded as phases with their step and cycle.
    const phases = results.phases.map((p) => `${p.phase}${p.step ? `#${p.step}` : ''}${p.cycle ? `@${p.cycle}` : ''}`);
    expect(phases).toEqual(expect.arrayContaining(['provision#1', 'hold#1', 'provision#2', 'hold#2', 'churn@1']));
    expect(phases.indexOf('provision#2')).toBeGreaterThan(phases.indexOf('hold#1'));
    expect(results.gateChecks?.map((g) => [g.step, g.passed])).toEqual([[1, true]]);
    // The test accepted every route life; each was timed once, after its create.
    const created = results.milestones.filter((m) => m.milestone === 'created');
    const accepted = results.milestones.filter((m) => m.milestone === 'routeAccepted');
    expect(created.length).toBeGreaterThan(29); // churn recreated some
    const life = (m: { object: string; incarnation?: number }) => `${m.object}#${m.incarnation ?? 1}`;
    const createdAt = new Map(created.map((m) => [life(m), m.clientTimeMs]));
    // The warm-up route is accepted too, but not timed (it has no `created`).
    const timedAccepted = accepted.filter((m) => createdAt.has(life(m)));
    expect(accepted.filter((m) => !createdAt.has(life(m))).map((m) => m.object)).toEqual([`AIGatewayRoute/${NAMESPACE}/route-000001`]);
    expect(new Set(timedAccepted.map(life)).size).toBe(created.length);
    expect(timedAccepted).toHaveLength(created.length);
    for (const m of timedAccepted) expect(m.clientTimeMs).toBeGreaterThan(createdAt.get(life(m))!);
    expect(results.samples.some((s) => s.phase === 'churn' && s.cycle === 1)).toBe(true);

    const report = fs.readFileSync(path.join(out, 'smoke', 'report.md'), 'utf8');
    const header = report.split('\n').find((line) => /\|\s*milestone\s*\|\s*kind\s*\|/.test(line));
    expect(header).toMatch(/p50\s*\|\s*p90\s*\|\s*p95\s*\|\s*p99\s*\|\s*max/);
    for (const milestone of ['routeAccepted', 'firstSuccess', 'ready']) expect(report).toMatch(new RegExp(`\\|\\s*${milestone}\\s*\\|.*\\d+(\\.\\d+)? (ms|s)`));

    const junit = new DOMParser().parseFromString(fs.readFileSync(path.join(out, 'smoke', 'junit.xml'), 'utf8'), 'text/xml');
    expect(junit.getElementsByTagName('testcase').length).toBe(4); // three gates and validity
    expect(junit.getElementsByTagName('failure').length).toBe(0);
    expect(await list(cluster, '/apis/aigateway.envoyproxy.io/v1beta1/aigatewayroutes', 'aigw-scale/fixture=smoke')).toHaveLength(0);
  });

  test('an impossible SLO gate gives exit 3 and a JUnit failure naming it', async () => {
    const junitFile = path.join(out, 'impossible', 'junit.xml');
    const result = await bench('impossible', gateway.url, '--fixture-id', 'impossible', '--slo', 'milestone.ready.p99<=1ms', '--slo', 'errorRate<=0.05', '--junit', junitFile);
    expect({ status: result.status, stderr: result.status === 3 ? '' : result.stderr }).toEqual({ status: 3, stderr: '' });
    expect(result.stderr).toContain('scenario'); // the override is announced
    const junit = new DOMParser().parseFromString(fs.readFileSync(junitFile, 'utf8'), 'text/xml');
    const failures = Array.from({ length: junit.getElementsByTagName('failure').length }, (_, i) => junit.getElementsByTagName('failure').item(i)!);
    expect(failures).toHaveLength(1);
    expect((failures[0].parentNode as any).getAttribute('name')).toMatch(/milestone\.ready\.p99/);
    expect(failures[0].getAttribute('type')).toBe('slo');
    expect(junit.getElementsByTagName('testsuites').item(0)!.getAttribute('failures')).toBe('1');
  });

  test('--repeat 3 with a planted regression is significant in compare; an unchanged rerun is not', async () => {
    const runs = [
      { dir: 'base', url: gateway.url },
      { dir: 'slow', url: slowGateway.url },
      { dir: 'rerun', url: gateway.url },
    ];
    for (const { dir, url } of runs) {
      const result = await bench(dir, url, '--fixture-id', dir, '--repeat', '3');
      expect({ dir, status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ dir, status: 0, stderr: '' });
      expect(JSON.parse(result.stdout).runs.map((r: any) => r.id)).toEqual([`${dir}-r1`, `${dir}-r2`, `${dir}-r3`]);
      expect(fs.existsSync(path.join(out, dir, 'repeats.md'))).toBe(true);
      expect(readRun(dir, 'run-2').repeat).toEqual({ index: 2, of: 3 });
    }

    // Resource metrics are not what this test plants: at 30 routes on the shared local apiserver, memory per route and
    // peaks are GC and neighbour noise, so their minimum effects are set out of reach; latency keeps the defaults.
    const latencyOnly = ['--threshold', 'memoryPerRoute=100%,1GiB', '--threshold', 'peakMemory=100%,1GiB', '--threshold', 'peakCpu=100%,4cores'];
    const planted = await compare(path.join(out, 'base'), path.join(out, 'slow'), '--json', ...latencyOnly);
    expect(planted.status).toBe(1);
    const regression = JSON.parse(planted.stdout);
    expect(regression.significantDifferences).toEqual(expect.arrayContaining([expect.stringMatching(/ready|firstSuccess/)]));

    const unchanged = await compare(path.join(out, 'base'), path.join(out, 'rerun'), '--json', ...latencyOnly);
    expect({ status: unchanged.status, stderr: unchanged.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(JSON.parse(unchanged.stdout).significantDifferences).toEqual([]);
  });
});
