import * as os from 'node:os';
import { Cluster } from '../kube/cluster';
import { PodSelector, listPods } from '../kube/gateway-envoy';
import { procMemory, procStat } from '../local/proc-stats';
import { Component, Phase, Sample } from '../results/schema';
import { nowMs } from '../time/clock';
import { parseCpuMillicores, parseMemoryBytes } from '../units/units';

/** One reading: CPU (millicores) and memory per component; what was not measurable is left out. */
export interface Reading {
  readonly component: Component;
  readonly cpuMillicores?: number;
  readonly memoryBytes?: number;
}

/** Every sampler answers the same question: what does each component use right now? */
export interface Sampler {
  readonly name: string;
  read(): Promise<Reading[]>;
}

/** The metrics API (metrics-server): container usage summed per pod, pods summed per component. */
export class MetricsApiSampler implements Sampler {
  readonly name = 'metrics.k8s.io';
  constructor(private readonly cluster: Cluster, private readonly selectors: readonly PodSelector[]) {}

  static async available(cluster: Cluster): Promise<boolean> {
    return (await cluster.request('GET', '/apis/metrics.k8s.io/v1beta1')).status === 200;
  }

  async read(): Promise<Reading[]> {
    const readings: Reading[] = [];
    for (const selector of this.selectors) {
      const scope = selector.namespace ? `/namespaces/${selector.namespace}` : '';
      const response = await this.cluster.request('GET', `/apis/metrics.k8s.io/v1beta1${scope}/pods?labelSelector=${encodeURIComponent(selector.labelSelector)}`);
      const pods: { containers: { usage: { cpu: string; memory: string } }[] }[] = response.status === 200 ? (response.body.items ?? []) : [];
      if (pods.length === 0) continue;
      const containers = pods.flatMap((p) => p.containers);
      readings.push({
        component: selector.component,
        cpuMillicores: containers.reduce((sum, c) => sum + parseCpuMillicores(c.usage.cpu), 0),
        memoryBytes: containers.reduce((sum, c) => sum + parseMemoryBytes(c.usage.memory), 0),
      });
    }
    return readings;
  }
}

/**
 * The kubelet summary API through the apiserver's node proxy: nothing to install. Pods are matched by listing
 * them with each component's selector; CPU comes as cumulative core-nanoseconds, so rates come from deltas.
 */
export class KubeletSummarySampler implements Sampler {
  readonly name = 'kubelet summary';
  private readonly previous = new Map<string, { cpuNanos: number; atMs: number }>();
  constructor(private readonly cluster: Cluster, private readonly selectors: readonly PodSelector[]) {}

  async read(): Promise<Reading[]> {
    const podsByComponent = new Map<Component, { node: string; namespace: string; name: string }[]>();
    for (const selector of this.selectors) {
      const response = await listPods(this.cluster, selector);
      const pods = (response.status === 200 ? response.body.items ?? [] : []).filter((p: any) => p.spec?.nodeName);
      podsByComponent.set(selector.component, pods.map((p: any) => ({ node: p.spec.nodeName, namespace: p.metadata.namespace, name: p.metadata.name })));
    }
    const nodes = new Set([...podsByComponent.values()].flat().map((p) => p.node));
    const stats = new Map<string, { cpuNanos?: number; memoryBytes?: number }>();
    for (const node of nodes) {
      const response = await this.cluster.request('GET', `/api/v1/nodes/${node}/proxy/stats/summary`);
      if (response.status !== 200) continue;
      for (const pod of response.body.pods ?? []) {
        stats.set(`${pod.podRef.namespace}/${pod.podRef.name}`, { cpuNanos: pod.cpu?.usageCoreNanoSeconds, memoryBytes: pod.memory?.workingSetBytes });
      }
    }
    const readings: Reading[] = [];
    const at = nowMs();
    for (const [component, pods] of podsByComponent) {
      const found = pods.map((p) => stats.get(`${p.namespace}/${p.name}`)).filter((s): s is { cpuNanos?: number; memoryBytes?: number } => s !== undefined);
      if (found.length === 0) continue;
      const memory = found.every((s) => s.memoryBytes !== undefined) ? found.reduce((sum, s) => sum + s.memoryBytes!, 0) : undefined;
      const cpuNanos = found.every((s) => s.cpuNanos !== undefined) ? found.reduce((sum, s) => sum + s.cpuNanos!, 0) : undefined;
      const before = this.previous.get(component);
      let cpuMillicores: number | undefined;
      if (cpuNanos !== undefined) {
        if (before && cpuNanos >= before.cpuNanos) cpuMillicores = (cpuNanos - before.cpuNanos) / 1e6 / ((at - before.atMs) / 1000);
        this.previous.set(component, { cpuNanos, atMs: at });
      }
      readings.push({ component, cpuMillicores, memoryBytes: memory });
    }
    return readings;
  }
}

/** Processes on this machine (the local control plane, the runner itself): /proc CPU time deltas and RSS. */
export class ProcessSampler implements Sampler {
  readonly name = 'local processes';
  private readonly previous = new Map<Component, { cpuSeconds: number; atMs: number }>();

  /** A pid, or a function giving it once the process exists (undefined: not yet, nothing sampled). */
  constructor(private readonly processes: readonly { component: Component; pid: number | (() => number | undefined) }[]) {}

  async read(): Promise<Reading[]> {
    const readings: Reading[] = [];
    const at = nowMs();
    for (const { component, pid: pidOrGetter } of this.processes) {
      const pid = typeof pidOrGetter === 'function' ? pidOrGetter() : pidOrGetter;
      if (pid === undefined) continue;
      let stat: ReturnType<typeof procStat>;
      let memory: ReturnType<typeof procMemory>;
      try {
        stat = procStat(pid);
        memory = procMemory(pid);
      } catch {
        continue; // the process is gone: nothing measured
      }
      if (stat.state === 'Z' || stat.state === 'X' || memory.rssBytes === undefined) continue; // exited, not yet reaped: gone, nothing to measure
      const before = this.previous.get(component);
      this.previous.set(component, { cpuSeconds: stat.cpuSeconds, atMs: at });
      readings.push({
        component,
        cpuMillicores: before ? ((stat.cpuSeconds - before.cpuSeconds) / ((at - before.atMs) / 1000)) * 1000 : undefined,
        memoryBytes: memory.rssBytes,
      });
    }
    return readings;
  }
}

/** What every sample is tagged with: the phase, the live route count and the load step or churn cycle, if any. */
export interface SampleContext {
  readonly phase: Phase;
  readonly liveObjects: number;
  readonly step?: number;
  readonly cycle?: number;
}

/** Samples all samplers every `intervalMs` into one list, tagging each sample with the run's context then. */
export class SampleRecorder {
  readonly samples: Sample[] = [];
  readonly errors: string[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly samplers: readonly Sampler[], private readonly intervalMs: number, private readonly context: () => SampleContext) {}

  start(): void {
    const tick = async () => {
      const context = this.context();
      const t = nowMs();
      for (const sampler of this.samplers) {
        try {
          for (const reading of await sampler.read()) this.samples.push({ t, ...context, ...reading });
        } catch (error) {
          this.errors.push(`${sampler.name}: ${(error as Error).message}`);
        }
      }
    };
    const loop = () => {
      this.running = tick().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(loop, this.intervalMs);
      });
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

export const runnerPlatform = (): string => `${os.platform()} ${os.arch()}, node ${process.version}`;
