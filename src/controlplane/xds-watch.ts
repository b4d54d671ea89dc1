/**
 * What Envoy Gateway serves a Gateway's Envoy over xDS, observed as the data plane sees it: `aigw-scale-probe xds`
 * is a delta-ADS client with the Envoy client certificate and node identity, and this class keeps the set of
 * route names across all RouteConfigurations it has received.
 */
import { ProbeProcess, ProbeWatch, parseJsonLine, stringArray } from './probe-process';

export const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const LISTENER_TYPE = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const ROUTE_CONFIGURATION_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

export interface XdsResource {
  readonly name: string;
  readonly version: string;
  /** Serialized size of the resource's Any. */
  readonly bytes: number;
  /** RouteConfiguration only: the names of every virtual host's routes that forward to a cluster (not direct responses). */
  readonly routes?: readonly string[];
}

export type XdsLine =
  | { readonly t: number; readonly type: 'connected' }
  | { readonly t: number; readonly type: 'disconnected'; readonly error: string }
  | {
      readonly t: number;
      readonly type: 'update';
      readonly typeUrl: string;
      readonly systemVersion: string;
      readonly added: readonly XdsResource[];
      readonly removed: readonly string[];
    }
  /** Names the probe stopped watching (no listener refers to them); Envoy drops them, the server says nothing. */
  | { readonly t: number; readonly type: 'unsubscribed'; readonly typeUrl: string; readonly names: readonly string[] };

/** Parses one line of `aigw-scale-probe xds` output; throws on anything else. */
export function parseXdsLine(line: string): XdsLine {
  const v = parseJsonLine(line);
  const t = v.t as number;
  switch (v.type) {
    case 'connected':
      return { t, type: 'connected' };
    case 'disconnected':
      return { t, type: 'disconnected', error: String(v.error ?? '') };
    case 'unsubscribed':
      return { t, type: 'unsubscribed', typeUrl: String(v.typeUrl), names: stringArray(v.names, 'unsubscribed.names') };
    case 'update': {
      if (typeof v.typeUrl !== 'string') throw new Error('update without typeUrl');
      if (!Array.isArray(v.added)) throw new Error('update.added: expected an array');
      const added = v.added.map((a: unknown, i: number): XdsResource => {
        const r = a as Record<string, unknown>;
        if (typeof r?.name !== 'string' || typeof r.bytes !== 'number') throw new Error(`update.added[${i}]: expected name and bytes`);
        const base = { name: r.name, version: String(r.version ?? ''), bytes: r.bytes };
        return r.routes === undefined ? base : { ...base, routes: stringArray(r.routes, `update.added[${i}].routes`) };
      });
      return { t, type: 'update', typeUrl: v.typeUrl, systemVersion: String(v.systemVersion ?? ''), added, removed: stringArray(v.removed, 'update.removed') };
    }
    default:
      throw new Error(`unknown line type ${JSON.stringify(v.type)}`);
  }
}

/**
 * The Gateway API route an Envoy Gateway xDS route name belongs to. EG names each route
 * `httproute/<namespace>/<name>/rule/<i>/match/<j>/<host with dots as underscores>` (match -1: a rule
 * without matches); AI Gateway's HTTPRoutes carry the AIGatewayRoute's namespace and name.
 */
export function routeOfXdsRouteName(name: string): { namespace: string; name: string } | undefined {
  const m = /^httproute\/([^/]+)\/([^/]+)\/rule\/\d+\//.exec(name);
  return m ? { namespace: m[1], name: m[2] } : undefined;
}

export interface XdsSize {
  /** Resources currently held. */
  readonly resources: number;
  /** Sum of their serialized sizes. */
  readonly bytes: number;
}

/** The client's view: resources by type, as the updates leave them. Exported for tests. */
export class XdsState {
  private readonly byType = new Map<string, Map<string, XdsResource>>();

  /** Applies a line; true when the route configurations changed (an RDS update or unsubscription). */
  apply(line: XdsLine): boolean {
    switch (line.type) {
      case 'connected':
        // A new stream subscribes from scratch and the server resends everything.
        this.byType.clear();
        return false;
      case 'disconnected':
        return false;
      case 'unsubscribed':
      case 'update': {
        let resources = this.byType.get(line.typeUrl);
        if (!resources) this.byType.set(line.typeUrl, (resources = new Map()));
        for (const name of line.type === 'update' ? line.removed : line.names) resources.delete(name);
        if (line.type === 'update') for (const r of line.added) resources.set(r.name, r);
        return line.typeUrl === ROUTE_CONFIGURATION_TYPE;
      }
    }
  }

  /** Every route name in every RouteConfiguration held. */
  routes(): Set<string> {
    const routes = new Set<string>();
    for (const rc of this.byType.get(ROUTE_CONFIGURATION_TYPE)?.values() ?? []) for (const r of rc.routes ?? []) routes.add(r);
    return routes;
  }

  resources(typeUrl: string): ReadonlyMap<string, XdsResource> {
    return this.byType.get(typeUrl) ?? new Map();
  }

  /** Count and bytes per type URL. */
  sizes(): Record<string, XdsSize> {
    const sizes: Record<string, XdsSize> = {};
    for (const [typeUrl, resources] of this.byType) {
      let bytes = 0;
      for (const r of resources.values()) bytes += r.bytes;
      sizes[typeUrl] = { resources: resources.size, bytes };
    }
    return sizes;
  }
}

export interface XdsWatchOptions {
  /** The aigw-scale-probe binary (probeBinary() finds the cached one). */
  readonly binary: string;
  /** Envoy Gateway's xDS address, HOST:PORT. */
  readonly addr: string;
  /** PEM files of the `envoy` Secret in envoy-gateway-system: ca.crt, tls.crt, tls.key. */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** @default "envoy-gateway" (a SAN of certgen's server certificate) */
  readonly serverName?: string;
  /** An Envoy pod name. */
  readonly nodeId: string;
  /** Envoy Gateway picks the snapshot by this: `<gateway-namespace>/<gateway-name>` (the Envoy's --service-cluster). */
  readonly nodeCluster: string;
  /** After every RouteConfiguration change: all route names now held (after a reconnect: from the next one on). */
  readonly onRoutes: (tMs: number, routes: ReadonlySet<string>) => void;
  /** Every line, after it has been applied. */
  readonly onEvent?: (line: XdsLine) => void;
}

export class XdsWatch extends ProbeWatch {
  readonly state = new XdsState();
  /** Resolves at the first `connected` line; rejects if the probe exits first. */
  readonly connected: Promise<void>;
  private resolveConnected!: () => void;
  protected readonly process: ProbeProcess;

  private constructor(options: XdsWatchOptions) {
    super();
    let rejectConnected!: (error: Error) => void;
    this.connected = new Promise<void>((resolve, reject) => {
      this.resolveConnected = resolve;
      rejectConnected = reject;
    });
    this.connected.catch(() => undefined); // callers that never await it must not see an unhandled rejection
    const args = ['xds', '--addr', options.addr, '--ca', options.caFile, '--cert', options.certFile, '--key', options.keyFile,
      '--server-name', options.serverName ?? 'envoy-gateway', '--node-id', options.nodeId, '--node-cluster', options.nodeCluster];
    this.process = ProbeProcess.start(options.binary, args, (text) => this.onLine(text, options));
    void this.process.exited.then((code) => rejectConnected(new Error(`aigw-scale-probe xds exited (code ${code}) before connecting: ${this.errors.slice(-3).join('; ')}`)));
  }

  /** Spawns the probe; throws (naming the build command) when the binary is missing. */
  static start(options: XdsWatchOptions): XdsWatch {
    return new XdsWatch(options);
  }

  routes(): Set<string> {
    return this.state.routes();
  }

  /** Resources held and their serialized bytes, per type URL. */
  sizes(): Record<string, XdsSize> {
    return this.state.sizes();
  }

  private onLine(text: string, options: XdsWatchOptions): void {
    const line = this.parsed(text, parseXdsLine);
    if (!line) return;
    if (line.type === 'connected') this.resolveConnected();
    if (line.type === 'disconnected') this.process.addError(`xds disconnected: ${line.error}`);
    if (this.state.apply(line)) options.onRoutes(line.t, this.state.routes());
    options.onEvent?.(line);
  }
}
