import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENVOY_GATEWAY_NAMESPACE } from '../install/facts';
import { nowMs } from '../time/clock';
import { sleepUntil } from '../time/sleep';
import { Cluster } from '../kube/cluster';
import { gatewayEnvoySelector } from '../kube/gateway-envoy';
import { writeSecretFiles } from '../kube/secret-files';
import { BundleDir } from './bundle-dir';
import { ExtprocModelsWatch } from './extproc-models';
import { ExtprocProcess, startExtproc } from './extproc-process';
import { FilterConfigWatch } from './filter-config-watch';
import { StageOutcome, StageRecord, StageTracker, TrackedRoute } from './stage-tracker';
import { XdsWatch, routeOfXdsRouteName } from './xds-watch';

/** The Secret Envoy Gateway's certgen writes for its Envoys (mounted on /certs in their pods). */
const ENVOY_CLIENT_SECRET = 'envoy';

export interface ControlPlaneReadinessOptions<R extends TrackedRoute = TrackedRoute> {
  readonly cluster: Cluster;
  /** The run's Gateway: its filter config, its Envoy's xDS, its extproc. */
  readonly gateway: { readonly name: string; readonly namespace: string };
  /** host:port of Envoy Gateway's xDS server on this host (`local up --controllers` forwards it). */
  readonly xdsServer: string;
  readonly binaries: { readonly probe: string; readonly extproc: string };
  /** Scratch directory for the certificates, the synced bundle and the extproc's log (removed by stop()). */
  readonly workDir: string;
  readonly timeoutMs: number;
  /** How often the extproc is asked which models it has loaded. @default 250 ms */
  readonly modelsPollMs?: number;
  readonly onRecord: (record: StageRecord) => void;
  readonly onOutcome: (outcome: StageOutcome<R>) => void;
  /** Sizes as they change: the filter config (all Secret parts), and the xDS resources by type. */
  readonly onSize?: (size: { t: number; source: 'filterConfig' | 'xds'; bytes: number; byType?: Record<string, number> }) => void;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * Route readiness measured on the control plane, for where no Envoy runs: watches the run's Gateway's
 * filter-config Secrets and syncs them into a directory as the kubelet does for a mounted Secret volume, runs the
 * real AI Gateway external processor on that directory and asks it which models it has loaded, and connects to
 * Envoy Gateway's xDS server as that Gateway's Envoy would. A route is ready when it is in xDS and loaded by the
 * extproc. What this leaves out: Envoy applying the xDS, and the kubelet's volume refresh delay (we sync at once).
 */
export class ControlPlaneReadiness<R extends TrackedRoute = TrackedRoute> {
  private readonly errors: string[] = [];
  private extproc?: ExtprocProcess;
  private models?: ExtprocModelsWatch;
  private xds?: XdsWatch;
  private filterConfig?: FilterConfigWatch;
  private extprocStarting?: Promise<void>;
  private xdsStarting?: Promise<void>;
  private stopped = false;

  private constructor(
    private readonly options: ControlPlaneReadinessOptions<R>,
    private readonly tracker: StageTracker<R>,
  ) {}

  static async start<R extends TrackedRoute>(options: ControlPlaneReadinessOptions<R>): Promise<ControlPlaneReadiness<R>> {
    fs.mkdirSync(options.workDir, { recursive: true, mode: 0o700 });
    const readiness = new ControlPlaneReadiness<R>(options, new StageTracker<R>(options.onRecord, options.onOutcome, options.timeoutMs));
    await readiness.startFilterConfig();
    readiness.xdsStarting = readiness.startXds().catch((error) => void readiness.errors.push(`xDS: ${(error as Error).message}`));
    return readiness;
  }

  get pending(): number {
    return this.tracker.pending;
  }

  /** Problems so far (watch errors, the extproc or xDS client failing). */
  get problems(): readonly string[] {
    return [...this.errors, ...(this.filterConfig?.errors ?? []), ...(this.xds?.errors ?? []), ...(this.models?.errors ?? [])];
  }

  /** The extproc's pid once it runs (sampled as a process of its own). */
  get extprocPid(): number | undefined {
    return this.extproc?.pid;
  }

  add(route: R, addedMs = nowMs(), existing = false): void {
    this.tracker.add(route, addedMs, existing);
  }

  remove(route: TrackedRoute): void {
    this.tracker.remove(route);
  }

  idle(): Promise<void> {
    return this.tracker.idle();
  }

  /** Waits (up to timeoutMs) until every deleted route has left every stage; the rest are recorded as missed. */
  async removalsSettled(timeoutMs: number): Promise<void> {
    const deadline = nowMs() + timeoutMs;
    while (this.tracker.removing > 0 && nowMs() < deadline && !this.options.signal?.aborted) await sleepUntil(nowMs() + 100, this.options.signal);
  }

  /** Stops waiting for routes: idle() resolves; observers keep running until stop(). */
  halt(): void {
    this.tracker.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.tracker.stop();
    await Promise.allSettled([this.extprocStarting, this.xdsStarting]);
    await Promise.allSettled([this.filterConfig?.stop(), this.xds?.stop(), this.models?.stop()]);
    await this.extproc?.stop();
    fs.rmSync(this.options.workDir, { recursive: true, force: true });
  }

  private async startFilterConfig(): Promise<void> {
    const { cluster, gateway } = this.options;
    const bundle = new BundleDir(path.join(this.options.workDir, 'filter-config-bundle'));
    this.filterConfig = await FilterConfigWatch.start(cluster, {
      namespace: ENVOY_GATEWAY_NAMESPACE,
      gateway,
      onConfig: (config) => {
        this.tracker.observe('filterConfig', config.tMs, config.models);
        this.options.onSize?.({ t: config.tMs, source: 'filterConfig', bytes: config.bytes });
        bundle.write(config.index, config.parts);
        // The extproc starts on the first complete bundle, as the sidecar does once its volume is mounted.
        this.extprocStarting ??= this.startExtproc(bundle.path).catch((error) => void this.errors.push(`extproc: ${(error as Error).message}`));
      },
    });
  }

  private async startExtproc(bundlePath: string): Promise<void> {
    if (this.stopped) return;
    this.extproc = await startExtproc({ binary: this.options.binaries.extproc, bundleDir: bundlePath, logFile: path.join(this.options.workDir, 'extproc.log') });
    await this.extproc.ready;
    if (this.stopped) return;
    this.models = await ExtprocModelsWatch.start({
      binary: this.options.binaries.probe,
      addr: this.extproc.grpcAddress,
      intervalMs: this.options.modelsPollMs ?? 250,
      onModels: (tMs, models) => this.tracker.observe('extprocLoaded', tMs, models),
    });
    this.options.log?.(`extproc (pid ${this.extproc.pid}) serving ext_proc on ${this.extproc.grpcAddress}`);
  }

  /** Connects as the Gateway's Envoy once Envoy Gateway has made it: its node identity, its client certificate. */
  private async startXds(): Promise<void> {
    const { cluster, gateway } = this.options;
    const identity = await this.envoyIdentity();
    if (!identity || this.stopped) return;
    const certs = path.join(this.options.workDir, 'envoy-certs');
    await writeSecretFiles(cluster, ENVOY_GATEWAY_NAMESPACE, ENVOY_CLIENT_SECRET, certs, ['ca.crt', 'tls.crt', 'tls.key']);
    this.xds = await XdsWatch.start({
      binary: this.options.binaries.probe,
      addr: this.options.xdsServer,
      caFile: path.join(certs, 'ca.crt'),
      certFile: path.join(certs, 'tls.crt'),
      keyFile: path.join(certs, 'tls.key'),
      nodeId: identity.nodeId,
      nodeCluster: identity.cluster,
      onRoutes: (tMs, names) => {
        const keys = new Set<string>();
        for (const name of names) {
          const route = routeOfXdsRouteName(name);
          if (route && route.namespace === gateway.namespace) keys.add(`${route.namespace}/${route.name}`);
        }
        this.tracker.observe('xdsServed', tMs, keys);
        const sizes = this.xds?.sizes() ?? {};
        const byType = Object.fromEntries(Object.entries(sizes).map(([typeUrl, size]) => [typeUrl.slice(typeUrl.lastIndexOf('.') + 1), size.bytes]));
        this.options.onSize?.({ t: tMs, source: 'xds', bytes: Object.values(byType).reduce((a, b) => a + b, 0), byType });
      },
    });
    this.options.log?.(`xDS client connected to ${this.options.xdsServer} as node ${identity.nodeId} (cluster ${identity.cluster})`);
  }

  /** The node id (an Envoy pod's name) and cluster (`--service-cluster`) Envoy Gateway gave the Gateway's Envoy. */
  private async envoyIdentity(): Promise<{ nodeId: string; cluster: string } | undefined> {
    const { cluster, gateway } = this.options;
    const selector = encodeURIComponent(gatewayEnvoySelector(gateway));
    const deadline = nowMs() + this.options.timeoutMs;
    while (!this.stopped && nowMs() < deadline) {
      const [deployments, pods] = await Promise.all([
        cluster.requestRetrying('GET', `/apis/apps/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/deployments?labelSelector=${selector}`),
        cluster.requestRetrying('GET', `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/pods?labelSelector=${selector}`),
      ]);
      const args: string[] = deployments.body?.items?.[0]?.spec?.template?.spec?.containers?.find((c: { name: string }) => c.name === 'envoy')?.args ?? [];
      const serviceCluster = args[args.indexOf('--service-cluster') + 1];
      const pod = (pods.body?.items ?? []).find((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp);
      if (args.includes('--service-cluster') && serviceCluster && pod) return { nodeId: pod.metadata.name, cluster: serviceCluster };
      await sleepUntil(nowMs() + 250, this.options.signal);
    }
    if (!this.stopped) throw new Error(`no Envoy Deployment and pod of Gateway ${gateway.namespace}/${gateway.name} in ${ENVOY_GATEWAY_NAMESPACE} within ${this.options.timeoutMs} ms`);
    return undefined;
  }
}
