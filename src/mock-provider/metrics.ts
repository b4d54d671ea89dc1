/**
 * Prometheus metrics in the text exposition format (0.0.4): a request counter by path, model and status, a
 * latency histogram by path, the in-flight gauge and the process's resident memory.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Upper bounds (seconds) of the latency histogram's buckets. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Distinct model label values kept before further models are counted as `model="_other"`. */
export const DEFAULT_MAX_MODEL_LABELS = 10_000;
export const OTHER_MODEL = '_other';
/** The label value of requests that carry no model (health checks, model lists, bad bodies). */
export const NO_MODEL = '';
const MAX_LABEL_LENGTH = 200;

interface Histogram {
  readonly buckets: number[];
  sum: number;
  count: number;
}

interface CounterSeries {
  readonly path: string;
  readonly model: string;
  readonly status: number;
  value: number;
}

const LABEL_ESCAPE = /[\\"\n]/g;
const escapeLabel = (value: string): string =>
  value.replace(LABEL_ESCAPE, (c) => (c === '\n' ? '\\n' : `\\${c}`));

export class Metrics {
  /** path → model label → status → series: nested maps, so the hot path builds no composite key string. */
  private readonly counters = new Map<string, Map<string, Map<number, CounterSeries>>>();
  private readonly histograms = new Map<string, Histogram>();
  private readonly models = new Set<string>();
  inflight = 0;

  /** `path` must come from a small fixed set (the server maps unknown paths to one value). */
  constructor(private readonly maxModelLabels: number = DEFAULT_MAX_MODEL_LABELS) {}

  /** Counts one finished request and its latency. */
  observe(path: string, model: string, status: number, seconds: number): void {
    const label = this.modelLabel(model);
    let byModel = this.counters.get(path);
    if (!byModel) this.counters.set(path, (byModel = new Map()));
    let byStatus = byModel.get(label);
    if (!byStatus) byModel.set(label, (byStatus = new Map()));
    const series = byStatus.get(status);
    if (series) series.value++;
    else byStatus.set(status, { path, model: label, status, value: 1 });

    let histogram = this.histograms.get(path);
    if (!histogram) {
      histogram = { buckets: new Array<number>(LATENCY_BUCKETS.length).fill(0), sum: 0, count: 0 };
      this.histograms.set(path, histogram);
    }
    histogram.sum += seconds;
    histogram.count++;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]) {
        histogram.buckets[i]++;
        break;
      }
    }
  }

  private modelLabel(model: string): string {
    if (model === NO_MODEL || this.models.has(model)) return model;
    if (this.models.size >= this.maxModelLabels || model.length > MAX_LABEL_LENGTH) return OTHER_MODEL;
    this.models.add(model);
    return model;
  }

  /** The exposition text. */
  render(residentMemoryBytes: number): string {
    const lines: string[] = [
      '# HELP mock_provider_requests_total Requests answered, by path, model and status.',
      '# TYPE mock_provider_requests_total counter',
    ];
    for (const s of this.allSeries()) {
      lines.push(`mock_provider_requests_total{path="${escapeLabel(s.path)}",model="${escapeLabel(s.model)}",status="${s.status}"} ${s.value}`);
    }
    lines.push(
      '# HELP mock_provider_request_duration_seconds Time from request arrival to the end of the response.',
      '# TYPE mock_provider_request_duration_seconds histogram',
    );
    for (const [path, h] of this.histograms) {
      const p = escapeLabel(path);
      let cumulative = 0;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
        cumulative += h.buckets[i];
        lines.push(`mock_provider_request_duration_seconds_bucket{path="${p}",le="${LATENCY_BUCKETS[i]}"} ${cumulative}`);
      }
      lines.push(
        `mock_provider_request_duration_seconds_bucket{path="${p}",le="+Inf"} ${h.count}`,
        `mock_provider_request_duration_seconds_sum{path="${p}"} ${h.sum}`,
        `mock_provider_request_duration_seconds_count{path="${p}"} ${h.count}`,
      );
    }
    lines.push(
      '# HELP mock_provider_inflight_requests Requests being answered right now.',
      '# TYPE mock_provider_inflight_requests gauge',
      `mock_provider_inflight_requests ${this.inflight}`,
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${residentMemoryBytes}`,
    );
    return `${lines.join('\n')}\n`;
  }

  private *allSeries(): Iterable<CounterSeries> {
    for (const byModel of this.counters.values()) for (const byStatus of byModel.values()) yield* byStatus.values();
  }
}
