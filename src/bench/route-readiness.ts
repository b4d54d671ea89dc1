import * as os from 'node:os';
import * as path from 'node:path';
import { BACKEND_ANNOTATION, MODEL_ANNOTATION } from '../../constructs/conventions';
import { ControlPlaneReadiness, ControlPlaneReadinessOptions } from '../controlplane/readiness';
import { ApplyObject } from '../kube/applier';
import { Cluster } from '../kube/cluster';
import { Scenario } from '../results/scenario';
import { GatewayClient, describeProbe } from './gateway-client';
import { PortForward } from './port-forward';
import { PendingRoute, ProbeOutcome, ProbeScheduler } from './probe-scheduler';

/** Where the control-plane stages are observed: Envoy Gateway's xDS server and the binaries that read them. */
export interface ControlPlaneEndpoints {
  /** host:port of Envoy Gateway's xDS server on this host. */
  readonly xdsServer: string;
  readonly probeBinary: string;
  readonly extprocBinary: string;
}

/** One outcome for one route: its first success through the gateway, ready, or given up on. */
export interface ReadinessOutcome {
  readonly route: PendingRoute;
  readonly kind: ProbeOutcome['kind'];
  readonly atMs: number;
  /** Requests sent until this outcome (traffic only). */
  readonly attempts?: number;
  /** For timedOut: what was still missing, in words. */
  readonly detail: string;
}

/** How the runner learns that a route is ready: through traffic, or on the control plane where no Envoy runs. */
export interface RouteReadiness {
  /** For progress lines and errors, e.g. `through http://127.0.0.1:8080`. */
  readonly description: string;
  readonly pending: number;
  add(route: PendingRoute, addedMs?: number): void;
  /** Checks again that a route created earlier is still ready (k successes again; or every ready stage holds it). */
  recheck(route: PendingRoute): void;
  /** The route was deleted: follow it out of the data plane's config where that is observed. */
  removed(route: PendingRoute): void;
  /** Resolves when no route is pending, or once stopped. */
  idle(): Promise<void>;
  /** Stops waiting for routes (Ctrl-C): idle() resolves. */
  stop(): void;
  /** Problems of the observers themselves (not of routes), for the run's failures. */
  readonly problems: readonly string[];
  /** A process of the data plane that runs here and is sampled as itself (the extproc). */
  readonly extprocPid?: number;
  close(): Promise<void>;
}

export interface RouteReadinessOptions {
  readonly cluster: Cluster;
  readonly scenario: Scenario;
  readonly gateway: { readonly name: string; readonly namespace: string };
  readonly controlPlane?: ControlPlaneEndpoints;
  readonly onOutcome: (outcome: ReadinessOutcome) => void;
  /** Stage milestones of the control plane (filterConfig, xdsServed, extprocLoaded and their removals). */
  readonly onRecord: (record: { object: string; milestone: string; clientTimeMs: number; incarnation?: number }) => void;
  /** Control plane: the size of the config the data plane receives, each time it changes. */
  readonly onSize?: ControlPlaneReadinessOptions['onSize'];
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** How results name a route: `AIGatewayRoute/namespace/name`. */
export const routeObjectName = (namespace: string, name: string) => `AIGatewayRoute/${namespace}/${name}`;

/** One life of a route as readiness follows it: its object name and namespace and, from its annotations, its model and backend. */
export function pendingRoute(namespace: string, route: ApplyObject, incarnation?: number): PendingRoute {
  const annotations = route.metadata.annotations as Record<string, string>;
  return { object: routeObjectName(namespace, route.metadata.name), namespace, model: annotations[MODEL_ANNOTATION], backend: annotations[BACKEND_ANNOTATION], incarnation };
}

/** Starts the readiness source the scenario's gateway mode calls for. */
export async function startRouteReadiness(options: RouteReadinessOptions): Promise<RouteReadiness> {
  return options.scenario.gateway.mode === 'control-plane' ? controlPlaneReadiness(options) : trafficReadiness(options);
}

/** k successes in a row from the route's own backend, through the gateway URL or a port-forward to its Envoy. */
async function trafficReadiness(options: RouteReadinessOptions): Promise<RouteReadiness> {
  const { probe: probing, gateway } = options.scenario;
  const portForward = gateway.url ? undefined : await PortForward.toGateway(options.cluster, options.gateway);
  const url = gateway.url ?? portForward!.url;
  const client = new GatewayClient(url, Math.min(10_000, probing.perRouteTimeoutMs), probing.concurrency);
  const scheduler = new ProbeScheduler(
    client,
    (outcome) =>
      options.onOutcome({
        route: outcome.route,
        kind: outcome.kind,
        atMs: outcome.atMs,
        attempts: outcome.attempts,
        detail: `not ready (${probing.consecutiveSuccesses} successes in a row) within ${probing.perRouteTimeoutMs} ms (last: ${describeProbe(outcome.lastResult)})`,
      }),
    { intervalMs: probing.requestIntervalMs, timeoutMs: probing.perRouteTimeoutMs, concurrency: probing.concurrency, consecutiveSuccesses: probing.consecutiveSuccesses },
  );
  return {
    description: `through ${url}`,
    get pending() {
      return scheduler.pending;
    },
    add: (route, addedMs) => scheduler.add(route, addedMs),
    recheck: (route) => scheduler.add(route),
    removed: () => undefined,
    idle: () => scheduler.idle(),
    stop: () => scheduler.stop(),
    problems: [],
    close: async () => {
      scheduler.stop();
      client.close();
      await portForward?.close();
    },
  };
}

/** The route in xDS and loaded by the real extproc (see ControlPlaneReadiness). */
async function controlPlaneReadiness(options: RouteReadinessOptions): Promise<RouteReadiness> {
  const endpoints = options.controlPlane;
  if (!endpoints) throw new Error('control-plane readiness needs the real controllers of `aigw-scale local up --controllers` (their xDS address) and `aigw-scale local build --with-controllers` (extproc, probe)');
  const timeoutMs = options.scenario.probe.perRouteTimeoutMs;
  // The route's key in xDS is `namespace/name`, from its `AIGatewayRoute/namespace/name`.
  const tracked = (route: PendingRoute) => ({ ...route, key: route.object.split('/').slice(1).join('/') });
  const readiness = await ControlPlaneReadiness.start<ReturnType<typeof tracked>>({
    cluster: options.cluster,
    gateway: options.gateway,
    xdsServer: endpoints.xdsServer,
    binaries: { probe: endpoints.probeBinary, extproc: endpoints.extprocBinary },
    workDir: path.join(os.tmpdir(), `aigw-scale-control-plane-${process.pid}-${Date.now().toString(36)}`),
    timeoutMs,
    onRecord: options.onRecord,
    onOutcome: (outcome) =>
      options.onOutcome({
        route: outcome.route,
        kind: outcome.kind,
        atMs: outcome.atMs,
        detail: `not ready on the control plane within ${timeoutMs} ms (never reached: ${outcome.missing?.join(', ') || 'none'})`,
      }),
    onSize: options.onSize,
    log: options.log,
    signal: options.signal,
  });
  return {
    description: `on the control plane (xDS from Envoy Gateway at ${endpoints.xdsServer}, the real extproc)`,
    get pending() {
      return readiness.pending;
    },
    add: (route, addedMs) => readiness.add(tracked(route), addedMs),
    recheck: (route) => readiness.add(tracked(route), undefined, true),
    removed: (route) => readiness.remove(tracked(route)),
    idle: () => readiness.idle(),
    stop: () => readiness.halt(),
    get problems() {
      return readiness.problems;
    },
    get extprocPid() {
      return readiness.extprocPid;
    },
    close: async () => {
      // Deleted routes are followed out of every stage, up to the per-route timeout: leaving xDS waits for the
      // garbage collector to delete the generated HTTPRoute, which takes tens of seconds at hundreds of routes.
      await readiness.removalsSettled(timeoutMs);
      await readiness.stop();
    },
  };
}
