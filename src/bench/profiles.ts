import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as YAML from 'yaml';
import { Cluster, messageOf } from '../kube/cluster';
import { ENVOY_GATEWAY_PODS, listPods } from '../kube/gateway-envoy';
import { ENVOY_GATEWAY_CONFIG_MAP } from '../install/facts';
import { Component, ProfileRecord } from '../results/schema';
import { nowMs } from '../time/clock';

/** Envoy Gateway's admin server port (EnvoyGateway `admin.address.port`), which serves /debug/pprof when enabled. */
export const ENVOY_GATEWAY_ADMIN_PORT = 19000;

/** Where to fetch pprof profiles of one component: `get` answers a path such as `/debug/pprof/heap`. */
export interface ProfileSource {
  readonly component: Component;
  /** Where it is, in words (for messages). */
  readonly where: string;
  get(pprofPath: string): Promise<{ status: number; body: Buffer }>;
}

/** What fixing a missing pprof endpoint takes, per component. */
const ENABLE_HINT: Partial<Record<Component, string>> = {
  'envoy-gateway': 'enable it with `admin.enablePprof: true` in the EnvoyGateway config (Helm: config.envoyGateway.admin.enablePprof), and let the admin server listen where it is reached (admin.address)',
};

/** A component running on this machine whose pprof handlers are served at `baseUrl` (e.g. Envoy Gateway's local admin address). */
export function localProfileSource(component: Component, baseUrl: string): ProfileSource {
  return {
    component,
    where: baseUrl,
    get: (pprofPath) =>
      new Promise((resolve, reject) => {
        http
          .get(new URL(pprofPath, baseUrl), (res) => readAll(res).then((body) => resolve({ status: res.statusCode ?? 0, body }), reject))
          .on('error', reject);
      }),
  };
}

/**
 * The controllers' pprof endpoints in a cluster, reached through the apiserver's pod proxy: Envoy Gateway's admin
 * server on its first Ready pod, at the address its EnvoyGateway config (the chart's envoy-gateway-config ConfigMap)
 * gives it. A config with pprof off, or with the admin server on loopback, is reported here with the fix; without
 * the config (no RBAC for it, or installed otherwise) the default admin port is tried. The AI Gateway controller
 * serves pprof on 127.0.0.1:6060 inside its pod only (its chart's DISABLE_PPROF note), which the pod proxy cannot
 * reach: it is listed in `notProfiled`.
 */
export async function clusterProfileSources(cluster: Cluster): Promise<{ sources: ProfileSource[]; notProfiled: string[] }> {
  const notProfiled = ['ai-gateway-controller: not profiled (its pprof endpoint listens on 127.0.0.1:6060 inside the pod, out of the apiserver proxy\'s reach)'];
  const selector = ENVOY_GATEWAY_PODS;
  const configMap = `${selector.namespace}/${ENVOY_GATEWAY_CONFIG_MAP}`;
  const config = await cluster.requestRetrying('GET', `/api/v1/namespaces/${selector.namespace}/configmaps/${ENVOY_GATEWAY_CONFIG_MAP}`);
  const admin: { enablePprof?: boolean; address?: { host?: string; port?: number } } | undefined =
    config.status === 200 ? YAML.parse(config.body.data?.['envoy-gateway.yaml'] ?? '')?.admin ?? {} : undefined;
  const fix = 'request profiles at install (Pulumi stack: `aigw-scale:profiles: true`; Helm: config.envoyGateway.admin.enablePprof: true, with admin.address on the pod\'s addresses)';
  // Envoy Gateway's defaults: no pprof, 127.0.0.1:19000; an address given without a port listens on a random one.
  const host = admin?.address?.host ?? '127.0.0.1';
  const port = admin?.address ? admin.address.port : ENVOY_GATEWAY_ADMIN_PORT;
  const unreachable =
    admin === undefined ? undefined
    : admin.enablePprof !== true ? `pprof is off in ${configMap}`
    : /^(127\.|localhost$|::1$)/.test(host) ? `its admin server listens on ${host} inside the pod, out of the apiserver proxy's reach`
    : !port ? `its admin address in ${configMap} has no port`
    : undefined;
  if (unreachable) {
    notProfiled.push(`envoy-gateway: not profiled (${unreachable}; ${fix})`);
    return { sources: [], notProfiled };
  }
  const response = await listPods(cluster, selector);
  const pods: any[] = response.status === 200 ? response.body.items ?? [] : [];
  const ready = pods.find((p) => (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'));
  if (!ready) {
    notProfiled.push(`envoy-gateway: not profiled (no Ready pod in ${selector.namespace} with ${selector.labelSelector}${response.status === 200 ? '' : `: HTTP ${response.status} ${messageOf(response.body)}`})`);
    return { sources: [], notProfiled };
  }
  const proxy = `/api/v1/namespaces/${ready.metadata.namespace}/pods/${ready.metadata.name}:${port}/proxy`;
  const source: ProfileSource = {
    component: 'envoy-gateway',
    where: `pod ${ready.metadata.namespace}/${ready.metadata.name}:${port} (apiserver proxy)`,
    get: async (pprofPath) => {
      const res = await cluster.openStream(proxy + pprofPath);
      return { status: res.statusCode ?? 0, body: await readAll(res) };
    },
  };
  return { sources: [source], notProfiled };
}

export interface TakeProfilesOptions {
  /** Directory of results.json; files go to `profiles/` in it. */
  readonly outDir: string;
  /** CPU profile duration, seconds. */
  readonly cpuSeconds: number;
  /** Live routes when the profiles are taken. */
  readonly liveObjects: number;
}

/**
 * Takes a heap profile and then a CPU profile of every source, writing `profiles/<component>-<kind>.pb.gz` beside
 * results.json. A profile that cannot be taken is a problem in words (with the fix), never a partial file.
 */
export async function takeProfiles(sources: readonly ProfileSource[], options: TakeProfilesOptions): Promise<{ records: ProfileRecord[]; problems: string[] }> {
  const records: ProfileRecord[] = [];
  const problems: string[] = [];
  const dir = path.join(options.outDir, 'profiles');
  for (const source of sources) {
    for (const [kind, pprofPath] of [['heap', '/debug/pprof/heap'], ['cpu', `/debug/pprof/profile?seconds=${options.cpuSeconds}`]] as const) {
      const atMs = nowMs();
      let answer: { status: number; body: Buffer };
      try {
        answer = await source.get(pprofPath);
      } catch (error) {
        problems.push(`${source.component} ${kind} profile: ${source.where} did not answer (${(error as Error).message})`);
        continue;
      }
      if (answer.status !== 200 || !isGzip(answer.body)) {
        const found = answer.status === 200 ? 'an answer that is not a gzipped pprof profile' : `HTTP ${answer.status}`;
        problems.push(`${source.component} ${kind} profile: ${source.where}${pprofPath} gave ${found}${ENABLE_HINT[source.component] ? `; ${ENABLE_HINT[source.component]}` : ''}`);
        continue;
      }
      const file = path.join('profiles', `${source.component}-${kind}.pb.gz`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(options.outDir, file), answer.body);
      records.push({ component: source.component, kind, file, atMs, liveObjects: options.liveObjects });
    }
  }
  return { records, problems };
}

/** pprof serves profiles as gzipped protocol buffers. */
const isGzip = (body: Buffer): boolean => body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
