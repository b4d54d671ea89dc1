import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { Cluster, backoffMs } from '../kube/cluster';
import { gatewayEnvoySelector } from '../kube/gateway-envoy';
import { nowMs } from '../time/clock';
import { sleepUntil } from '../time/sleep';

/** One Envoy pod to forward to, and the container port behind the Gateway's Envoy Service. */
interface Target {
  readonly namespace: string;
  readonly pod: string;
  readonly port: number;
}

export interface PortForwardOptions {
  /** How long to wait for a Ready Envoy pod, at the start and after each loss. @default 180 s */
  readonly timeoutMs?: number;
  /** How often the forwarded pod is checked. @default 1 s */
  readonly checkIntervalMs?: number;
  readonly log?: (line: string) => void;
}

const isReady = (pod: any): boolean =>
  pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp && (pod.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');

/**
 * `kubectl port-forward` to a Running and Ready Envoy pod of one Gateway, for clusters whose gateway is not
 * reachable from here, kept up for the whole run on one local port: kubectl refuses a Pending pod, and AI
 * Gateway rolls the Envoy Deployment after the first route (its extproc sidecar), which ends a forward. When the
 * pod stops being Ready or kubectl exits, it forwards again to a Ready pod, with backoff. Needs kubectl on PATH.
 */
export class PortForward {
  private child?: ChildProcess;
  private target?: Target;
  private closed = false;
  private readonly stopped = new AbortController();
  private supervising?: Promise<void>;

  private constructor(private readonly cluster: Cluster, private readonly selector: string, private readonly localPort: number, private readonly options: Required<Omit<PortForwardOptions, 'log'>> & PortForwardOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.localPort}`;
  }

  static async toGateway(cluster: Cluster, gateway: { name: string; namespace: string }, options: PortForwardOptions = {}): Promise<PortForward> {
    const settings = { timeoutMs: 180_000, checkIntervalMs: 1000, ...options };
    const selector = gatewayEnvoySelector(gateway);
    const first = await forwardWithRetries(cluster, selector, 0, settings, undefined, `Gateway ${gateway.namespace}/${gateway.name}`);
    const forward = new PortForward(cluster, selector, first.localPort, settings);
    forward.adopt(first);
    forward.supervising = forward.supervise();
    return forward;
  }

  private adopt(started: { child: ChildProcess; target: Target }): void {
    this.child = started.child;
    this.target = started.target;
  }

  /** Checks the forwarded pod every interval; forwards again when it is gone, not Ready, or kubectl exited. */
  private async supervise(): Promise<void> {
    while (!this.closed) {
      await sleepUntil(nowMs() + this.options.checkIntervalMs, this.stopped.signal);
      if (this.closed) return;
      const exited = this.child!.exitCode !== null || this.child!.signalCode !== null;
      if (!exited && (await this.targetReady())) continue;
      this.options.log?.(`port-forward: ${exited ? 'kubectl exited' : `pod ${this.target!.namespace}/${this.target!.pod} is no longer Ready`}; forwarding again`);
      this.child!.kill();
      try {
        this.adopt(await forwardWithRetries(this.cluster, this.selector, this.localPort, this.options, this.stopped.signal, 'the Gateway'));
      } catch (error) {
        if (!this.closed) this.options.log?.(`port-forward: ${(error as Error).message}`);
      }
    }
  }

  private async targetReady(): Promise<boolean> {
    const { namespace, pod } = this.target!;
    const response = await this.cluster.requestRetrying('GET', `/api/v1/namespaces/${namespace}/pods/${pod}`).catch(() => undefined);
    if (!response) return true; // the apiserver, not the pod, is in trouble: keep forwarding
    return response.status === 200 && isReady(response.body);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopped.abort();
    this.child?.kill();
    await this.supervising;
  }
}

/** A Ready Envoy pod of the selector and the container port its Service forwards to, if there is one yet. */
async function findTarget(cluster: Cluster, selector: string): Promise<Target | undefined> {
  const query = `labelSelector=${encodeURIComponent(selector)}`;
  const service = (await cluster.requestRetrying('GET', `/api/v1/services?${query}`)).body?.items?.[0];
  if (!service) return undefined;
  const pod = ((await cluster.requestRetrying('GET', `/api/v1/namespaces/${service.metadata.namespace}/pods?${query}`)).body?.items ?? []).find(isReady);
  if (!pod) return undefined;
  const { port, targetPort } = service.spec.ports[0];
  const named = typeof targetPort === 'string' ? pod.spec.containers.flatMap((c: any) => c.ports ?? []).find((p: any) => p.name === targetPort)?.containerPort : undefined;
  return { namespace: pod.metadata.namespace, pod: pod.metadata.name, port: typeof targetPort === 'number' ? targetPort : named ?? port };
}

/** Waits for a Ready pod and forwards to it (localPort 0: any free port), retrying with backoff until the timeout. */
async function forwardWithRetries(cluster: Cluster, selector: string, localPort: number, options: Required<Omit<PortForwardOptions, 'log'>>, signal: AbortSignal | undefined, what: string) {
  const deadline = nowMs() + options.timeoutMs;
  let lastProblem = 'no Envoy Service with a Running and Ready pod yet';
  for (let attempt = 1; !signal?.aborted; attempt++) {
    const target = await findTarget(cluster, selector);
    if (target) {
      try {
        return { ...(await startKubectl(cluster, target, localPort)), target };
      } catch (error) {
        lastProblem = (error as Error).message;
      }
    }
    if (nowMs() >= deadline) break;
    await sleepUntil(Math.min(deadline, nowMs() + Math.max(500, backoffMs(attempt))), signal);
  }
  throw new Error(`cannot port-forward to the Envoy of ${what} within ${options.timeoutMs / 1000} s (${lastProblem}); is Envoy Gateway running?`);
}

/** Starts `kubectl port-forward pod/<name>` and resolves with the local port once kubectl forwards. */
function startKubectl(cluster: Cluster, target: Target, localPort: number): Promise<{ child: ChildProcess; localPort: number }> {
  const env = { ...process.env };
  // The same merged kubeconfig files as this process (none in a pod: kubectl uses the service account).
  if (cluster.kubeconfigFiles.length > 0) env.KUBECONFIG = cluster.kubeconfigFiles.join(path.delimiter);
  else delete env.KUBECONFIG;
  const args = ['port-forward', '--context', cluster.contextName, '-n', target.namespace, `pod/${target.pod}`, `${localPort || ''}:${target.port}`, '--address', '127.0.0.1'];
  const child = spawn('kubectl', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve({ child, localPort: Number(match[1]) });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', (error) => reject(new Error(`kubectl port-forward failed to start (${error.message}); install kubectl or pass --gateway-url`)));
    child.on('exit', (code) => reject(new Error(`kubectl port-forward to pod ${target.namespace}/${target.pod} exited (${code}): ${output.trim()}`)));
  });
}
