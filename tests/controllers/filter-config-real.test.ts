import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nowMs } from '../../src/time/clock';
import { BundleDir } from '../../src/controlplane/bundle-dir';
import { EXTPROC_LOADING_LINE, ExtprocProcess, startExtproc } from '../../src/controlplane/extproc-process';
import { FilterConfigBundle, FilterConfigWatch } from '../../src/controlplane/filter-config-watch';
import { Cluster } from '../../src/kube/cluster';
import { CONTROLLER_COMPONENTS, requireBinaries } from '../../src/local/binaries';
import { LocalClusterState, downLocalCluster, upLocalCluster } from '../../src/local/control-plane';
import { BIN } from '../cluster/support';
import { synthFixture } from '../support/fixture';
import { queryModels } from './ext-proc-client';

/**
 * The whole chain against the real AI Gateway controller: its filter-config Secrets → FilterConfigWatch →
 * BundleDir → the real extproc, which then serves the models. A local control plane with the controllers of
 * its own, or an existing one named by AIGW_SCALE_CONTROLLERS_KUBECONFIG (e.g. a shared `local up
 * --controllers`: only one such cluster can run on a machine, the controllers bind fixed ports).
 */
const NS = 'fc-real';
const FIXTURE = 'fc-real';
const ROUTES = 5;
const EG_NAMESPACE = 'envoy-gateway-system';
const ROUTES_PATH = `/apis/aigateway.envoyproxy.io/v1beta1/namespaces/${NS}/aigatewayroutes`;
const model = (i: number) => `model-${String(i).padStart(6, '0')}`;

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('filter config from the real controller, loaded by the real extproc', () => {
  const shared = process.env.AIGW_SCALE_CONTROLLERS_KUBECONFIG;
  let dir: string;
  let state: LocalClusterState | undefined;
  let kubeconfig: string;
  let cluster: Cluster;
  let watch: FilterConfigWatch;
  let extproc: ExtprocProcess | undefined;
  let bundleDir: BundleDir;
  const seen: FilterConfigBundle[] = [];
  const timings: string[] = [];
  const objects = synthFixture({ routes: ROUTES + 1, backends: 2, namespace: NS, fixtureId: FIXTURE });
  const gateway = objects.find((o) => o.kind === 'Gateway')!.metadata;

  /** Writes each new bundle and starts the extproc on the first, as the sidecar starts once its volume is there. */
  const onConfig = (bundle: FilterConfigBundle) => {
    seen.push(bundle);
    bundleDir.write(bundle.index, bundle.parts);
  };

  beforeAll(async () => {
    const binaries = requireBinaries([...CONTROLLER_COMPONENTS]); // fails with the build command when missing
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-fc-real-'));
    if (shared) kubeconfig = shared;
    else {
      state = await upLocalCluster({ dir, nodes: 1, controllers: true, onProgress: (line) => process.stderr.write(`  ${line}\n`) });
      kubeconfig = state.kubeconfig;
    }
    cluster = await Cluster.connect({ kubeconfig });
    bundleDir = new BundleDir(path.join(dir, 'bundle'));
    watch = await FilterConfigWatch.start(cluster, { namespace: EG_NAMESPACE, gateway: { name: gateway.name, namespace: NS }, onConfig });
    const applied = spawnSync(process.execPath, [BIN, 'apply', '--kubeconfig', kubeconfig, '--routes', String(ROUTES), '--backends', '2', '--namespace', NS, '--fixture-id', FIXTURE], { encoding: 'utf8' });
    expect(applied.status).toBe(0);
    const first = await until(`a bundle with the ${ROUTES} models`, () => seen.find((b) => b.models.size === ROUTES), 180_000);
    extproc = await startExtproc({ binary: binaries['ai-gateway-extproc']!, bundleDir: bundleDir.path, logFile: path.join(dir, 'extproc.log') });
    await extproc.ready;
    timings.push(`first complete bundle: ${first.bytes} bytes in ${first.secrets} Secrets, version ${first.version}`);
  }, 600_000);

  afterAll(async () => {
    await watch?.stop();
    await extproc?.stop({ graceMs: 1000 });
    if (cluster) spawnSync(process.execPath, [BIN, 'delete', '--kubeconfig', kubeconfig, '--fixture', FIXTURE], { encoding: 'utf8' });
    cluster?.close();
    if (state) downLocalCluster(dir);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (timings.length) process.stderr.write(`\nfilter config → extproc on this machine:\n  ${timings.join('\n  ')}\n`);
  });

  test('the extproc serves exactly the models of the controller\'s config', async () => {
    const models = await until('the extproc to serve the fixture\'s models', async () => {
      const served = await queryModels(extproc!.grpcAddress);
      return served.length === seen[seen.length - 1]!.models.size ? served : undefined;
    }, 15_000);
    expect(new Set(models)).toEqual(seen[seen.length - 1]!.models);
    expect(watch.errors).toEqual([]);
  });

  /** Changes a route and times each step: Secret event (tMs) → bundle swapped → extproc "loading" → served. */
  async function timeChange(what: string, change: () => Promise<void>, done: (models: ReadonlySet<string>) => boolean): Promise<void> {
    const count = seen.length;
    const from = extproc!.logOffset();
    const t0 = nowMs();
    await change();
    const bundle = await until(`the controller's bundle after ${what}`, () => seen.slice(count).find((b) => done(b.models)), 60_000);
    const loading = await extproc!.waitForLog(EXTPROC_LOADING_LINE, { fromOffset: from, timeoutMs: 15_000 });
    const served = await until(`the extproc to serve the change (${what})`, async () => (done(new Set(await queryModels(extproc!.grpcAddress))) ? nowMs() : undefined), 15_000);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    timings.push(`${what}: API call → Secret event ${s(bundle.tMs - t0)}; Secret event → extproc "loading" ${s(loading.timeMs - bundle.tMs)}; → served ${s(served - bundle.tMs)} (${bundle.bytes} bytes, models extracted in ${bundle.parseMs.toFixed(1)} ms)`);
    expect(loading.timeMs - bundle.tMs).toBeLessThan(6_000); // the extproc polls every 5 s
  }

  test('a deleted route: the smaller set reaches the extproc within one poll', async () => {
    await timeChange('route deleted', async () => {
      expect((await cluster.requestRetrying('DELETE', `${ROUTES_PATH}/route-${String(ROUTES).padStart(6, '0')}`)).status).toBe(200);
    }, (models) => models.size === ROUTES - 1 && !models.has(model(ROUTES)));
  }, 120_000);

  test('an added route: the larger set reaches the extproc within one poll', async () => {
    const route = objects.find((o) => o.kind === 'AIGatewayRoute' && o.metadata.name === `route-${String(ROUTES + 1).padStart(6, '0')}`)!;
    await timeChange('route added', async () => {
      const response = await cluster.requestRetrying('POST', ROUTES_PATH, { apiVersion: route.apiVersion, kind: route.kind, metadata: { name: route.metadata.name, namespace: NS }, spec: route.spec });
      expect(response.status).toBe(201);
    }, (models) => models.has(model(ROUTES + 1)));
  }, 120_000);
});
