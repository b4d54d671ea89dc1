import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nowMs } from '../../src/time/clock';
import { MilestoneWatcher, ObservedMilestone } from '../../src/bench/milestone-watcher';
import { localProfileSource, takeProfiles } from '../../src/bench/profiles';
import { Cluster } from '../../src/kube/cluster';
import { FilterConfigSnapshot, modelNames, readFilterConfigs } from '../../src/controlplane/filter-config-watch';
import { requireControllerBinaries } from '../../src/local/controllers';
import { LocalClusterState, downLocalCluster, upLocalCluster } from '../../src/local/control-plane';
import { quantile } from '../../src/report/stats';
import type { MilestoneSpec } from '../../src/results/scenario';
import { synthFixture } from '../support/fixture';
import { BIN } from '../cluster/support';

/**
 * The real Envoy Gateway and AI Gateway controller on a local control plane of their own (`local up
 * --controllers`), built by `npx aigw-scale local build --with-controllers`; a missing binary fails the suite with
 * that command. The AI Gateway controller binds fixed ports (8080, 18002) on all addresses, so only one such
 * cluster can run on a machine at a time (the suite runs in band).
 */
const NS = 'ctl';
const ROUTES = 10;
const EG_NAMESPACE = 'envoy-gateway-system';
const ROUTES_PATH = `/apis/aigateway.envoyproxy.io/v1beta1/namespaces/${NS}/aigatewayroutes`;
const HTTPROUTES_PATH = `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes`;
const routeName = (i: number) => `route-${String(i).padStart(6, '0')}`;
const modelName = (i: number) => `model-${String(i).padStart(6, '0')}`;


async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

const accepted = (conditions: { type: string; status: string }[] | undefined) => (conditions ?? []).some((c) => c.type === 'Accepted' && c.status === 'True');

describe('real controllers (Envoy Gateway v1.8.1 + AI Gateway v1.1.0 controller) on a local control plane', () => {
  let dir: string;
  let state: LocalClusterState;
  let cluster: Cluster;
  const timings: string[] = [];
  const logTail = (name: string) => {
    const record = state?.processes.find((p) => p.name === name);
    try {
      return record ? fs.readFileSync(record.log, 'utf8').split('\n').slice(-40).join('\n') : '(not started)';
    } catch {
      return '(no log)';
    }
  };
  const withLogs = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- envoy-gateway log tail ---\n${logTail('envoy-gateway')}\n--- ai-gateway-controller log tail ---\n${logTail('ai-gateway-controller')}`);
    }
  };

  beforeAll(async () => {
    requireControllerBinaries(); // throws with the build command when they are missing
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-controllers-'));
    const started = performance.now();
    state = await upLocalCluster({ dir, nodes: 1, controllers: true, onProgress: (line) => process.stderr.write(`  ${line}\n`) });
    timings.push(`cluster + controllers up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    cluster = await Cluster.connect({ kubeconfig: state.kubeconfig });
  }, 240_000);

  afterAll(() => {
    cluster?.close();
    if (dir) {
      downLocalCluster(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    if (timings.length > 0) process.stderr.write(`\ncontroller timings on this machine:\n  ${timings.join('\n  ')}\n`);
  });

  test('the state records both controllers and the one gRPC knob on both sides', () => {
    expect(state.processes.map((p) => p.name)).toEqual(expect.arrayContaining(['ai-gateway-controller', 'envoy-gateway']));
    expect(state.controllers).toMatchObject({ grpcMaxMessageSize: { quantity: '25Mi', bytes: 26214400 }, filterConfigNamespace: EG_NAMESPACE });
    const config = fs.readFileSync(state.controllers!.envoyGatewayConfig, 'utf8');
    expect(config).toContain('maxMessageSize: 25Mi');
    expect(config).toContain(`address: ${state.controllers!.extensionServer.split(':')[0]}`);
    const aigw = fs.readFileSync(`/proc/${state.processes.find((p) => p.name === 'ai-gateway-controller')!.pid}/cmdline`, 'utf8').split('\0');
    expect(aigw).toContain('--maxRecvMsgSize=26214400');
  });

  test("Envoy Gateway's pprof answers on its admin port, forwarded out of its network namespace: heap and CPU profiles are written", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-profiles-'));
    try {
      const source = localProfileSource('envoy-gateway', `http://127.0.0.1:${state.controllers!.envoyGatewayAdminPort}`);
      const taken = await takeProfiles([source], { outDir: out, cpuSeconds: 1, liveObjects: 0 });
      expect(taken.problems).toEqual([]);
      expect(taken.records.map((r) => r.kind)).toEqual(['heap', 'cpu']);
      for (const record of taken.records) expect(fs.readFileSync(path.join(out, record.file)).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test(`${ROUTES} AIGatewayRoutes are Accepted, their HTTPRoutes Accepted by Envoy Gateway, and the filter config has the ${ROUTES} models`, async () => {
    await withLogs(async () => {
      const t0 = performance.now();
      const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
      const applied = spawnSync(process.execPath, [BIN, 'apply', '--kubeconfig', state.kubeconfig, '--routes', String(ROUTES), '--backends', '2', '--namespace', NS], { encoding: 'utf8' });
      expect(applied.stderr).not.toMatch(/HTTP \d{3}/);
      expect(applied.status).toBe(0);
      timings.push(`apply of ${ROUTES} routes returned after ${since()}`);

      await until('every AIGatewayRoute Accepted', 120_000, async () => {
        const items = (await cluster.requestRetrying('GET', ROUTES_PATH)).body.items ?? [];
        return items.length === ROUTES && items.every((r: any) => accepted(r.status?.conditions)) ? items : undefined;
      });
      timings.push(`all ${ROUTES} AIGatewayRoutes Accepted after ${since()}`);

      const httpRoutes = await until('an Accepted HTTPRoute per AIGatewayRoute', 120_000, async () => {
        const items = (await cluster.requestRetrying('GET', HTTPROUTES_PATH)).body.items ?? [];
        const ok = items.filter((r: any) => (r.status?.parents ?? []).some((p: any) => p.controllerName === 'gateway.envoyproxy.io/gatewayclass-controller' && accepted(p.conditions)));
        return ok.length === ROUTES ? ok : undefined;
      });
      expect(httpRoutes.map((r: any) => r.metadata.name).sort()).toEqual(Array.from({ length: ROUTES }, (_, i) => routeName(i + 1)));
      timings.push(`all ${ROUTES} HTTPRoutes Accepted by Envoy Gateway after ${since()}`);

      const wanted = Array.from({ length: ROUTES }, (_, i) => modelName(i + 1));
      const snapshot = await until<FilterConfigSnapshot>(`the filter config in ${EG_NAMESPACE} to list ${ROUTES} models`, 120_000, async () => {
        const configs = await readFilterConfigs(cluster, EG_NAMESPACE);
        return configs.find((c) => wanted.every((m) => modelNames(c).includes(m)));
      });
      timings.push(`filter-config Secret (${snapshot.indexSecret}, ${snapshot.parts.length} part(s), ${snapshot.bytes} bytes) lists all ${ROUTES} models after ${since()}`);
      expect(snapshot.indexSecret).toMatch(/^aigw-scale-ctl-[0-9a-f]+$/);
      expect(snapshot.legacySecret).toBe('aigw-scale-ctl');
      expect(modelNames(snapshot).sort()).toEqual(wanted);

      // Envoy Gateway called the extension server (PostTranslateModify adds the extproc cluster), and the AI
      // Gateway webhook injected the extproc sidecar into the (kwok) Envoy pod.
      const aigwLog = fs.readFileSync(state.processes.find((p) => p.name === 'ai-gateway-controller')!.log, 'utf8');
      expect(aigwLog).toContain('Added extproc-uds cluster');
      // The first route on a Gateway rolls the Envoy pods: the new ones carry the sidecar (a native sidecar,
      // i.e. an init container with restartPolicy Always).
      await until('an Envoy pod with the ai-gateway-extproc sidecar', 120_000, async () => {
        const pods = (await cluster.requestRetrying('GET', `/api/v1/namespaces/${EG_NAMESPACE}/pods?labelSelector=${encodeURIComponent('app.kubernetes.io/managed-by=envoy-gateway')}`)).body.items ?? [];
        return pods.find((pod: any) => [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].some((c: any) => c.name === 'ai-gateway-extproc')) ? true : undefined;
      });
      timings.push(`an Envoy pod with the extproc sidecar exists after ${since()}`);
    });
  }, 420_000);

  test('a deleted route disappears from the filter config', async () => {
    await withLogs(async () => {
      const t0 = performance.now();
      const gone = routeName(ROUTES);
      const response = await cluster.requestRetrying('DELETE', `${ROUTES_PATH}/${gone}`);
      expect(response.status).toBe(200);
      await until(`model ${modelName(ROUTES)} to leave the filter config`, 120_000, async () => {
        const configs = await readFilterConfigs(cluster, EG_NAMESPACE);
        const names = configs.flatMap(modelNames);
        return configs.length > 0 && !names.includes(modelName(ROUTES)) && names.includes(modelName(1)) ? true : undefined;
      });
      timings.push(`deleted route's model left the filter config after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    });
  }, 180_000);

  test('the MilestoneWatcher times the controllers\' own status: AIGatewayRoute Accepted, HTTPRoute per-parent Accepted and ResolvedRefs', async () => {
    await withLogs(async () => {
      // Routes added to the fixture applied above (its Gateway and backends), each created here at a known client time.
      const added = Array.from({ length: ROUTES }, (_, i) => ROUTES + 1 + i);
      const specs: MilestoneSpec[] = [
        { name: 'routeAccepted', kind: 'AIGatewayRoute', condition: { type: 'Accepted', status: 'True', perParent: false } },
        { name: 'httpRouteAccepted', kind: 'HTTPRoute', condition: { type: 'Accepted', status: 'True', perParent: true } },
        { name: 'httpRouteResolvedRefs', kind: 'HTTPRoute', condition: { type: 'ResolvedRefs', status: 'True', perParent: true } },
      ];
      const seen: ObservedMilestone[] = [];
      const watcher = await MilestoneWatcher.start(cluster, { namespace: NS, specs, onMilestone: (m) => seen.push(m) });
      try {
        const synthesized = synthFixture({ routes: ROUTES * 2, backends: 2, namespace: NS }).filter((o) => o.kind === 'AIGatewayRoute');
        const createdAt = new Map<string, number>();
        for (const i of added) {
          const route = synthesized.find((o) => o.metadata.name === routeName(i))!;
          createdAt.set(route.metadata.name, nowMs());
          const response = await cluster.requestRetrying('POST', ROUTES_PATH, { apiVersion: route.apiVersion, kind: route.kind, metadata: route.metadata, spec: route.spec });
          expect(response.status).toBe(201);
        }
        const ofAdded = () => seen.filter((m) => createdAt.has(m.name));
        await until(`${specs.length} milestones for each of the ${ROUTES} added routes`, 120_000, async () => (ofAdded().length >= specs.length * ROUTES ? true : undefined));
        await new Promise((resolve) => setTimeout(resolve, 1000)); // nothing more may arrive

        expect(ofAdded()).toHaveLength(specs.length * ROUTES);
        expect(watcher.errors).toEqual([]);
        for (const spec of specs) {
          const records = ofAdded().filter((m) => m.milestone === spec.name);
          expect(records.map((m) => m.name).sort()).toEqual(added.map(routeName));
          const latencies = records.map((m) => m.clientTimeMs - createdAt.get(m.name)!);
          for (const m of records) {
            // The server's transition time has second resolution: it lies between creation (to the second) and the event.
            expect(Date.parse(m.serverTime!)).toBeGreaterThanOrEqual(Math.floor(createdAt.get(m.name)! / 1000) * 1000);
            expect(Date.parse(m.serverTime!)).toBeLessThanOrEqual(m.clientTimeMs + 1000);
          }
          expect(Math.min(...latencies)).toBeGreaterThan(0);
          timings.push(`${spec.name} (${spec.kind}) over ${ROUTES} routes, from create: p50 ${quantile(latencies, 0.5)!.toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`);
        }
      } finally {
        await watcher.stop();
      }
    });
  }, 180_000);
});
