/**
 * Resource use read by phase: how much memory a component keeps after scale-down, and how its CPU while
 * provisioning compares with its CPU once the route count stopped changing. Both are computed only when the run
 * had the phases they need (a scale-down; provisioning and a settled window), never guessed.
 */
import { BenchResults, Component, Phase, PhaseRecord, Sample } from '../results/schema';
import { formatCount } from './format';
import { quantile } from './stats';

/** What these read of a component's summary (a structural type, so summary.ts, which calls them, is not imported back). */
interface SummarizedComponent {
  readonly component: Component;
  readonly label: string;
  readonly memory?: { readonly peak: number; readonly peakAtMs: number };
}

export interface RetainedMemory {
  readonly component: Component;
  readonly label: string;
  /** The last sample before provisioning began (infrastructure and the warm-up route); absent when not sampled then. */
  readonly beforeBytes?: number;
  readonly peakBytes: number;
  /** Live routes at the peak sample. */
  readonly peakRoutes: number;
  /** The last sample of the scale-down phase. */
  readonly afterBytes: number;
  readonly afterRoutes: number;
  /** afterBytes / peakBytes. */
  readonly shareOfPeak: number;
  /** (after − before) / (peak − before): the share of what the routes added that stayed; absent without `before` or real growth. */
  readonly growthRetained?: number;
}

export interface SettledCpuRow {
  readonly component: Component;
  readonly label: string;
  /** The highest CPU sample of the provision phases. */
  readonly peakMillicores: number;
  readonly peakRoutes: number;
  /** Median CPU over the settled window's samples. */
  readonly settledMillicores: number;
  readonly settledSamples: number;
}

export interface PeakVsSettledCpu {
  /** Which samples count as settled, in words (the hold phases, or the last load phase when there was no hold). */
  readonly window: string;
  /** The window is hold phases (the route count held still); false: the last load phase stood in for them. */
  readonly held: boolean;
  readonly rows: readonly SettledCpuRow[];
}

const byTime = (a: Sample, b: Sample) => a.t - b.t;
const inside = (s: Sample, p: PhaseRecord) => s.phase === p.phase && s.t >= p.startMs && s.t <= p.endMs;
/** Below this growth over the pre-provision memory the share of growth kept is noise (−112,800 % on a real one-by-one run). */
const MIN_GROWTH_SHARE = 0.1;
const phaseName = (p: PhaseRecord) => `${p.phase}${p.step !== undefined ? ` (step ${p.step})` : ''}`;

/** Memory before provisioning, at its peak and at the end of scale-down, per component; empty without a scale-down. */
export function retainedMemory(results: BenchResults, components: readonly SummarizedComponent[]): RetainedMemory[] {
  const provisionStart = Math.min(...results.phases.filter((p) => p.phase === 'provision').map((p) => p.startMs));
  const rows: RetainedMemory[] = [];
  for (const c of components) {
    const samples = results.samples.filter((s) => s.component === c.component && s.memoryBytes !== undefined && Number.isFinite(s.memoryBytes)).sort(byTime);
    const after = samples.filter((s) => s.phase === 'scale-down').pop();
    if (!after || !c.memory) continue;
    const peak = samples.find((s) => s.t === c.memory?.peakAtMs && s.memoryBytes === c.memory.peak) ?? after;
    const before = samples.filter((s) => s.t < provisionStart).pop();
    const peakBytes = c.memory.peak;
    const afterBytes = after.memoryBytes as number;
    const beforeBytes = before?.memoryBytes;
    const growth = beforeBytes === undefined ? 0 : peakBytes - beforeBytes;
    rows.push({
      component: c.component,
      label: c.label,
      ...(beforeBytes !== undefined && { beforeBytes }),
      peakBytes,
      peakRoutes: peak.liveObjects,
      afterBytes,
      afterRoutes: after.liveObjects,
      shareOfPeak: afterBytes / peakBytes,
      ...(beforeBytes !== undefined && growth >= MIN_GROWTH_SHARE * beforeBytes && { growthRetained: (afterBytes - beforeBytes) / growth }),
    });
  }
  return rows;
}

/**
 * The settled window: the hold phases (the route count held still) when the run had any with samples; otherwise
 * the last load phase (provision, hold or validate) with samples, which is what the run has closest to steady.
 */
function settledWindow(results: BenchResults): { phases: PhaseRecord[]; window: string; held: boolean } | undefined {
  const sampled = (p: PhaseRecord) => results.samples.some((s) => inside(s, p));
  const holds = results.phases.filter((p) => p.phase === 'hold' && sampled(p));
  if (holds.length > 0) return { phases: holds, held: true, window: holds.length === 1 ? `the hold phase (${phaseName(holds[0])})` : `the ${formatCount(holds.length)} hold phases` };
  const load: readonly Phase[] = ['provision', 'hold', 'validate'];
  const last = [...results.phases].filter((p) => load.includes(p.phase) && sampled(p)).sort((a, b) => a.startMs - b.startMs).pop();
  return last && { phases: [last], held: false, window: `the last load phase, ${phaseName(last)} (the run had no hold phase)` };
}

/** Peak CPU while provisioning against the median CPU once settled, per component; absent without both windows. */
export function peakVsSettledCpu(results: BenchResults, components: readonly SummarizedComponent[]): PeakVsSettledCpu | undefined {
  const provision = results.phases.filter((p) => p.phase === 'provision');
  const settled = settledWindow(results);
  if (provision.length === 0 || !settled) return undefined;
  const rows: SettledCpuRow[] = [];
  for (const c of components) {
    const cpu = results.samples.filter((s) => s.component === c.component && s.cpuMillicores !== undefined && Number.isFinite(s.cpuMillicores));
    const during = cpu.filter((s) => provision.some((p) => inside(s, p)));
    const after = cpu.filter((s) => settled.phases.some((p) => inside(s, p)));
    if (during.length === 0 || after.length === 0) continue;
    const peak = during.reduce((a, b) => ((b.cpuMillicores as number) > (a.cpuMillicores as number) ? b : a));
    rows.push({
      component: c.component,
      label: c.label,
      peakMillicores: peak.cpuMillicores as number,
      peakRoutes: peak.liveObjects,
      settledMillicores: quantile(after.map((s) => s.cpuMillicores as number), 0.5) as number,
      settledSamples: after.length,
    });
  }
  return rows.length === 0 ? undefined : { window: settled.window, held: settled.held, rows };
}
