/** Every metric a benchmark reports: one name, label, unit and direction, shared by runs, the page and the README. */

export type Unit = 's' | 'ms' | 'bytes' | 'per-second' | 'count';

export interface MetricDefinition {
  readonly label: string;
  readonly unit: Unit;
  readonly better: 'lower' | 'higher';
}

export const METRICS = {
  wallSeconds: { label: 'wall time (whole process)', unit: 's', better: 'lower' },
  requestSeconds: { label: 'wall time (requests only, in process)', unit: 's', better: 'lower' },
  requestObjectsPerSecond: { label: 'objects/s (requests only, in process)', unit: 'per-second', better: 'higher' },
  inProcessSeconds: { label: 'synthesis time (in process)', unit: 's', better: 'lower' },
  peakRssBytes: { label: 'peak RSS', unit: 'bytes', better: 'lower' },
  objectsPerSecond: { label: 'objects/s', unit: 'per-second', better: 'higher' },
  apiserverPeakRssBytes: { label: 'kube-apiserver peak RSS', unit: 'bytes', better: 'lower' },
  etcdPeakRssBytes: { label: 'etcd peak RSS', unit: 'bytes', better: 'lower' },
  apiserverCpuSeconds: { label: 'kube-apiserver CPU time', unit: 's', better: 'lower' },
  totalSeconds: { label: 'total time, all routes ready', unit: 's', better: 'lower' },
  detectionMs: { label: 'detection resolution p50 (last failure → first success)', unit: 'ms', better: 'lower' },
  detectionP99Ms: { label: 'detection resolution p99', unit: 'ms', better: 'lower' },
  upSeconds: { label: '`pulumi up`', unit: 's', better: 'lower' },
  updateSeconds: { label: '`pulumi up` (update, +10 routes)', unit: 's', better: 'lower' },
  destroySeconds: { label: '`pulumi destroy`', unit: 's', better: 'lower' },
  resources: { label: 'resources in the stack', unit: 'count', better: 'lower' },
  stateBytes: { label: 'state file', unit: 'bytes', better: 'lower' },
  requestsPerSecond: { label: 'requests/s', unit: 'per-second', better: 'higher' },
  latencyP99Ms: { label: 'latency p99', unit: 'ms', better: 'lower' },
  failedRequests: { label: 'failed requests (errors, timeouts, non-2xx)', unit: 'count', better: 'lower' },
  callMs: { label: 'one call, request to last byte of the answer', unit: 'ms', better: 'lower' },
  firstProbeAnswers: { label: 'timed routes answered on their first probe (no detection window)', unit: 'count', better: 'higher' },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;

export function formatValue(metric: MetricName, value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (METRICS[metric].unit) {
    case 's':
      return value >= 100 ? `${value.toFixed(0)} s` : value >= 10 ? `${value.toFixed(1)} s` : `${value.toFixed(2)} s`;
    case 'ms':
      return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
    case 'bytes':
      return value >= 2 ** 20 ? `${(value / 2 ** 20).toFixed(0)} MiB` : `${(value / 1024).toFixed(0)} KiB`;
    case 'per-second':
      return `${Math.round(value).toLocaleString('en-US')}/s`;
    case 'count':
      return value.toLocaleString('en-US');
  }
}

/** A ratio as the page shows it: "0.50×", "5.5×", "13×". */
export function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}
