/**
 * What a user would see when the ceiling is hit, and which stage it was: the controllers' error lines since the
 * ramp began (local process logs, or pod logs through the API), the failing route's and the Gateway's status
 * conditions and the namespace's Warning events, and the extension calls that did not return OK.
 */
import * as fs from 'node:fs';
import { Cluster } from '../kube/cluster';
import { CONTROLLER_PODS, listPods } from '../kube/gateway-envoy';
import { ExtensionCallSample, TRANSLATION_HOOK } from '../results/schema';

/** The stages that can stop routes from becoming ready as the route count grows. */
export type LimitingStage = 'extension-message' | 'filter-config' | 'etcd-request-size' | 'memory' | 'translation-time';

/** Where the controllers' logs are read. */
export interface EvidenceSource {
  /** Error lines each component logged since `sinceMs` (Unix epoch ms), and the components that stopped running. */
  read(sinceMs: number): Promise<{ lines: Record<string, string[]>; stopped: string[] }>;
}

export interface ObjectStatus {
  readonly object: string;
  readonly conditions: readonly { type: string; status: string; reason?: string; message?: string }[];
}

/**
 * A gRPC size refusal as grpc-go words it: `trying to send message larger than max (X vs. Y)` on the sending side,
 * `received message larger than max (X vs. Y)` on the receiving side. Logged by Envoy Gateway (it sends the
 * request and receives the response) or by the AI Gateway controller (it receives the request).
 */
export interface GrpcSizeRefusal {
  readonly component: string;
  /** request: Envoy Gateway → extension server; response: back. */
  readonly message: 'request' | 'response';
  readonly bytes: number;
  readonly limitBytes: number;
}

const REFUSAL = /(trying to send|received) message larger than max \((\d+) vs\. (\d+)\)/;

/** The first size refusal in the logs, with which message it was. */
export function grpcSizeRefusal(logs: Readonly<Record<string, readonly string[]>>): GrpcSizeRefusal | undefined {
  for (const [component, lines] of Object.entries(logs)) {
    for (const line of lines) {
      const match = REFUSAL.exec(line);
      if (!match) continue;
      const sent = match[1] === 'trying to send';
      // Envoy Gateway sends requests and receives responses; the extension server the other way round.
      const isEnvoyGateway = component.startsWith('envoy-gateway');
      return { component, message: sent === isEnvoyGateway ? 'request' : 'response', bytes: Number(match[2]), limitBytes: Number(match[3]) };
    }
  }
  return undefined;
}

export interface CeilingEvidence {
  readonly logs: Readonly<Record<string, readonly string[]>>;
  /** The gRPC size refusal the logs show, if any. */
  readonly grpcRefusal?: GrpcSizeRefusal;
  /** Controllers that were no longer running (crashed, killed, OOM). */
  readonly stopped: readonly string[];
  readonly objects: readonly ObjectStatus[];
  readonly warningEvents: readonly string[];
  /**
   * Extension calls that did not return OK, and the largest translation messages the extension server answered
   * OK. The proxy sees the server's status only: Envoy Gateway may still refuse an answer over its limit.
   */
  readonly extension: {
    readonly failedCalls: readonly ExtensionCallSample[];
    readonly largestRequest?: { readonly bytes: number; readonly liveObjects: number };
    readonly largestResponse?: { readonly bytes: number; readonly liveObjects: number };
  };
}

/** Lines worth keeping: errors, and the words the known limits use. */
const ERROR_LINE = /larger than max|ResourceExhausted|too large|exceed|skipped publishing|out of memory|OOMKilled|panic|"level":"error"|\blevel=error\b|\bERROR\b/i;
/** The words of the known limits: such lines are kept first, however many other errors came before them. */
const LIMIT_LINE = /larger than max|ResourceExhausted|too large|exceed|out of memory|OOMKilled/i;
const MAX_LINES = 8;

/**
 * Distinct error lines, those naming a known limit first, at most MAX_LINES, each at most 600 characters. Lines
 * that differ only in timestamps, names or numbers (one per route) count once.
 */
export function errorLines(text: string): string[] {
  const seen = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!ERROR_LINE.test(line)) continue;
    const key = line.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z?|"ts":[\d.e+]+|"time":"[^"]*"/g, '').replace(/\d+(\.\d+)?(e[+-]?\d+)?/g, '#').slice(0, 200);
    if (!seen.has(key)) seen.set(key, line.slice(0, 600));
  }
  const all = [...seen.values()];
  return [...all.filter((l) => LIMIT_LINE.test(l)), ...all.filter((l) => !LIMIT_LINE.test(l))].slice(0, MAX_LINES);
}

/** Local controllers: their log files (read from where they were when the source was made) and pids. */
export function localEvidence(processes: readonly { name: string; pid: number; log: string }[]): EvidenceSource {
  const offsets = new Map(processes.map((p) => [p.name, fs.existsSync(p.log) ? fs.statSync(p.log).size : 0]));
  return {
    read: async () => {
      const lines: Record<string, string[]> = {};
      for (const p of processes) {
        const fd = fs.openSync(p.log, 'r');
        try {
          const from = offsets.get(p.name) ?? 0;
          const size = fs.fstatSync(fd).size;
          // The last 8 MiB of what was written since (a long run's log can be large).
          const window = 8 * 1024 * 1024;
          const buffer = Buffer.alloc(Math.min(window, Math.max(0, size - from)));
          fs.readSync(fd, buffer, 0, buffer.length, Math.max(from, size - window));
          const found = errorLines(buffer.toString('utf8'));
          if (found.length > 0) lines[p.name] = found;
        } finally {
          fs.closeSync(fd);
        }
      }
      const stopped = processes.filter((p) => !alive(p.pid)).map((p) => p.name);
      return { lines, stopped };
    },
  };
}

/** Controllers in a cluster: their pods' logs through the API, and containers that restarted or were OOM-killed. */
export function clusterEvidence(cluster: Cluster): EvidenceSource {
  return {
    read: async (sinceMs) => {
      const lines: Record<string, string[]> = {};
      const stopped: string[] = [];
      for (const selector of CONTROLLER_PODS) {
        const pods = await listPods(cluster, selector);
        for (const pod of pods.status === 200 ? pods.body.items ?? [] : []) {
          const since = new Date(sinceMs).toISOString();
          const log = await cluster.requestRetrying('GET', `/api/v1/namespaces/${selector.namespace}/pods/${pod.metadata.name}/log?sinceTime=${since}&limitBytes=${8 * 1024 * 1024}`, undefined, undefined, 'text/plain');
          const found = typeof log.body === 'string' ? errorLines(log.body) : [];
          if (found.length > 0) lines[`${selector.component}/${pod.metadata.name}`] = found;
          for (const status of pod.status?.containerStatuses ?? []) {
            const finished = status.lastState?.terminated;
            if (finished && Date.parse(finished.finishedAt) >= sinceMs) stopped.push(`${selector.component}/${pod.metadata.name}: ${finished.reason ?? 'terminated'}`);
          }
        }
      }
      return { lines, stopped };
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Collects the evidence at the moment the ramp failed. */
export async function collectEvidence(
  cluster: Cluster,
  source: EvidenceSource,
  at: { sinceMs: number; namespace: string; gateway: string; failingRoute?: string; extensionCalls: readonly ExtensionCallSample[] },
): Promise<CeilingEvidence> {
  const { lines, stopped } = await source.read(at.sinceMs);
  const objects: ObjectStatus[] = [];
  const status = async (label: string, path: string, conditionsOf: (body: any) => any[]) => {
    const response = await cluster.requestRetrying('GET', path);
    if (response.status === 200) objects.push({ object: label, conditions: conditionsOf(response.body).map(({ type, status: s, reason, message }) => ({ type, status: s, reason, message })) });
  };
  const ns = at.namespace;
  if (at.failingRoute) {
    await status(`AIGatewayRoute/${ns}/${at.failingRoute}`, `/apis/aigateway.envoyproxy.io/v1beta1/namespaces/${ns}/aigatewayroutes/${at.failingRoute}`, (b) => b.status?.conditions ?? []);
    await status(`HTTPRoute/${ns}/${at.failingRoute}`, `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes/${at.failingRoute}`, (b) => (b.status?.parents ?? []).flatMap((p: any) => p.conditions ?? []));
  }
  await status(`Gateway/${ns}/${at.gateway}`, `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/gateways/${at.gateway}`, (b) => b.status?.conditions ?? []);
  const events = await cluster.requestRetrying('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=type%3DWarning&limit=200`);
  const warningEvents = (events.status === 200 ? events.body.items ?? [] : []).slice(-20).map((e: any) => `${e.involvedObject?.kind}/${e.involvedObject?.name}: ${e.reason}: ${e.message}`);
  const translations = at.extensionCalls.filter((c) => c.method === TRANSLATION_HOOK && c.grpcStatus === 0);
  const largest = (bytesOf: (c: ExtensionCallSample) => number) =>
    translations.length === 0 ? undefined : translations.reduce((max, c) => (bytesOf(c) > bytesOf(max) ? c : max));
  const request = largest((c) => c.requestBytes);
  const response = largest((c) => c.responseBytes);
  const refusal = grpcSizeRefusal(lines);
  return {
    logs: lines,
    ...(refusal && { grpcRefusal: refusal }),
    stopped,
    objects,
    warningEvents,
    extension: {
      failedCalls: at.extensionCalls.filter((c) => c.grpcStatus !== 0).slice(0, 5),
      ...(request && { largestRequest: { bytes: request.requestBytes, liveObjects: request.liveObjects } }),
      ...(response && { largestResponse: { bytes: response.responseBytes, liveObjects: response.liveObjects } }),
    },
  };
}

/** The stage the evidence points at; with no error anywhere, the routes were simply not ready in time. */
export function limitingStage(evidence: CeilingEvidence): LimitingStage {
  const text = [...Object.values(evidence.logs).flat(), ...evidence.extension.failedCalls.map((c) => c.grpcMessage ?? '')].join('\n');
  if (evidence.stopped.length > 0 || /out of memory|OOMKilled/i.test(text)) return 'memory';
  if (/larger than max|ResourceExhausted/i.test(text)) return 'extension-message';
  if (/etcdserver: request is too large|request entity too large/i.test(text)) return 'etcd-request-size';
  if (/too large|exceed/i.test(text)) return 'filter-config';
  return 'translation-time';
}
