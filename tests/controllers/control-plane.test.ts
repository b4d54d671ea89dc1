import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from '../../src/kube/cluster';
import { downLocalCluster, upLocalCluster, LocalClusterState } from '../../src/local/control-plane';
import { CONTROLLER_COMPONENTS, requireBinaries } from '../../src/local/binaries';
import { BenchResults, MilestoneRecord } from '../../src/results/schema';
import { BIN } from '../cluster/support';

/**
 * `aigw-scale bench --control-plane` against the real Envoy Gateway, AI Gateway controller and extproc on a local
 * control plane of their own: no status is written by the test, nothing stands in for a controller. Envoy itself
 * does not run (nothing ships it here): readiness is the route in Envoy Gateway's xDS and in the real extproc.
 */
const ROUTES = 51; // route-000001 warms up, 50 are timed
const NS = 'cp-bench';
const STAGES = ['created', 'aiGatewayRouteAccepted', 'httpRouteAccepted', 'filterConfig', 'xdsServed', 'extprocLoaded'] as const;

describe('control-plane readiness against the real controllers', () => {
  let dir: string;
  let state: LocalClusterState;
  let out: string;
  let results: BenchResults;
  let exit: ReturnType<typeof spawnSync>;

  beforeAll(async () => {
    requireBinaries([...CONTROLLER_COMPONENTS]); // fails with the build command when missing
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-control-plane-'));
    state = await upLocalCluster({ dir, nodes: 1, controllers: true, onProgress: (line) => process.stderr.write(`  ${line}\n`) });
    out = path.join(dir, 'out');
    exit = spawnSync(
      process.execPath,
      [BIN, 'bench', '--kubeconfig', state.kubeconfig, '--control-plane', '--routes', String(ROUTES), '--backends', '5', '--namespace', NS, '--fixture-id', 'cp-bench',
        '--milestone', 'AIGatewayRoute:Accepted', '--milestone', 'HTTPRoute:Accepted@parents', '--scale-down-steps', '1', '--sample-interval', '500ms', '--per-route-timeout', '90s', '--out', out],
      { encoding: 'utf8', env: { ...process.env, AIGW_SCALE_LOCAL_DIR: dir }, maxBuffer: 64 << 20, timeout: 600_000 },
    );
    process.stderr.write(`${exit.stderr}`.split('\n').slice(-40).join('\n'));
    results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  }, 900_000);

  afterAll(() => {
    if (dir) {
      downLocalCluster(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const timed = () => Array.from({ length: ROUTES - 1 }, (_, i) => `AIGatewayRoute/${NS}/route-${String(i + 2).padStart(6, '0')}`);
  const recordsOf = (object: string) => results.milestones.filter((m) => (m.route ?? m.object) === object && (m.incarnation ?? 1) === 1);
  const at = (records: readonly MilestoneRecord[], milestone: string) => records.find((m) => m.milestone === milestone)?.clientTimeMs;

  test('the run passes: every timed route ready on the control plane, nothing failed', () => {
    expect(results.failures).toEqual([]);
    expect(exit.status).toBe(0);
    expect(results.run.mode).toBe('control-plane');
    expect(results.notMeasured.join('\n')).toContain('Envoy did not run');
  });

  test('every stage a–f is recorded once per route, each after the route was created, and ready is the later of xDS and extproc', () => {
    for (const object of timed()) {
      const records = recordsOf(object);
      for (const stage of [...STAGES, 'ready']) expect([object, stage, records.filter((m) => m.milestone === stage).length]).toEqual([object, stage, 1]);
      const created = at(records, 'created')!;
      for (const stage of STAGES.slice(1)) expect(at(records, stage)!).toBeGreaterThanOrEqual(created);
      // The extproc can only load what the controller wrote into the Secrets.
      expect(at(records, 'extprocLoaded')!).toBeGreaterThanOrEqual(at(records, 'filterConfig')!);
      expect(at(records, 'ready')).toBe(Math.max(at(records, 'xdsServed')!, at(records, 'extprocLoaded')!));
      // The server's own timestamps sit beside the client clock for the status milestones.
      expect(records.find((m) => m.milestone === 'aiGatewayRouteAccepted')!.serverTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
  });

  test('deleting the routes (scale-down) takes each out of the filter config, out of xDS and out of the extproc', () => {
    for (const object of timed()) {
      const records = recordsOf(object);
      const deleted = at(records, 'deleted')!;
      expect(deleted).toBeGreaterThan(at(records, 'ready')!);
      for (const removed of ['filterConfigRemoved', 'xdsServedRemoved', 'extprocLoadedRemoved']) expect([object, removed, at(records, removed)! >= deleted]).toEqual([object, removed, true]);
    }
  });

  test('the samplers found both controller processes and the extproc, with CPU and memory', () => {
    for (const component of ['envoy-gateway', 'ai-gateway-controller', 'ai-gateway-extproc'] as const) {
      const samples = results.samples.filter((s) => s.component === component);
      expect([component, samples.length > 3]).toEqual([component, true]);
      // Every sample has a memory reading; a process just started or stopping may briefly be small, so the bulk is checked.
      expect([component, samples.filter((s) => !((s.memoryBytes ?? 0) > 0))]).toEqual([component, []]);
      const memory = samples.map((s) => s.memoryBytes!).sort((a, b) => a - b);
      expect([component, memory[Math.floor(memory.length / 2)] > 10 << 20]).toEqual([component, true]);
      expect(samples.some((s) => (s.cpuMillicores ?? 0) > 0)).toBe(true);
    }
  });

  test('the sizes of what the data plane receives grow with the routes: the filter config and the xDS route configuration', () => {
    const sizes = results.configSizes ?? [];
    // The warm-up route alone (the first sample of each source) against the peak at all routes.
    const first = (source: string) => sizes.find((s) => s.source === source)!;
    const largest = (source: string, of: (s: (typeof sizes)[number]) => number) => Math.max(...sizes.filter((s) => s.source === source && s.liveObjects === ROUTES).map(of));
    expect(first('filterConfig').liveObjects).toBe(1);
    // 50 more routes: at least 100 B each in the filter config (≈210 B measured) and 500 B each in RDS (≈1.2 KB).
    expect(largest('filterConfig', (s) => s.bytes) - first('filterConfig').bytes).toBeGreaterThan(50 * 100);
    const rds = (s: (typeof sizes)[number]) => s.byType?.RouteConfiguration ?? 0;
    expect(largest('xds', rds) - rds(first('xds'))).toBeGreaterThan(50 * 500);
  });

  test('every Envoy Gateway → extension translation call was recorded, OK, and its request and response grow with the routes', () => {
    const calls = (results.extensionCalls ?? []).filter((c) => c.method === 'PostTranslateModify');
    expect(calls.length).toBeGreaterThan(3);
    expect(calls.filter((c) => c.grpcStatus !== 0)).toEqual([]);
    expect(calls.every((c) => c.requestMessages === 1 && c.requestBytes > 0 && c.responseBytes > 0)).toBe(true);
    // The warm-up route alone (the first call; after the scale-down the live count drops at once while the
    // generated HTTPRoutes, and so the translations, lag behind) against the largest call at all routes.
    const first = calls[0];
    expect(first.liveObjects).toBe(1);
    const largest = (of: (c: (typeof calls)[number]) => number) => Math.max(...calls.filter((c) => c.liveObjects === ROUTES).map(of));
    // 50 more routes: the request carries each route's xDS (≥ 500 B each), the response the extension's rewrite of it.
    expect(largest((c) => c.requestBytes) - first.requestBytes).toBeGreaterThan(50 * 500);
    expect(largest((c) => c.responseBytes) - first.responseBytes).toBeGreaterThan(50 * 500);
    expect(results.notMeasured.join('\n')).not.toContain('extension gRPC messages: not measured');
  });

  test('the report says Envoy did not run', () => {
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toContain('Envoy did not run');
  });

  test('a route whose backend does not exist never becomes ready on the control plane', async () => {
    const cluster = await Cluster.connect({ kubeconfig: state.kubeconfig });
    try {
      const bench = spawnSync(
        process.execPath,
        [BIN, 'apply', '--kubeconfig', state.kubeconfig, '--routes', '2', '--namespace', 'cp-missing', '--fixture-id', 'cp-missing'],
        { encoding: 'utf8', env: { ...process.env, AIGW_SCALE_LOCAL_DIR: dir } },
      );
      expect(bench.status).toBe(0);
      const { runMissingBackendCheck } = await import('./missing-backend');
      const outcome = await runMissingBackendCheck(cluster, state, 'cp-missing');
      expect(outcome.kind).toBe('timedOut');
      expect(outcome.missing).toEqual(expect.arrayContaining(['xdsServed']));
      expect(outcome.reachedOthers).toEqual(['route-000001']);
    } finally {
      cluster.close();
    }
  }, 240_000);
});
