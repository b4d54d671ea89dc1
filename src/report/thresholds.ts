/**
 * Regression thresholds for `compare`. A metric regresses only when it is worse by more than BOTH the relative
 * threshold and the absolute one (the minimum effect that matters), so small numbers that move by a large
 * percentage (a 40 ms p50 becoming 60 ms) and large numbers that move by a small percentage are not flagged.
 */

import { MetricUnit, formatDelta } from './format';

export type ThresholdName = 'ttfsP50' | 'ttfsP99' | 'readyRatio' | 'peakMemory' | 'memoryPerRoute' | 'peakCpu';

export interface Threshold {
  /** Fraction of the base value, e.g. 0.2 for 20 %. */
  readonly relative: number;
  /** In the metric's unit: ms, a ratio (0.01 = 1 percentage point), bytes, bytes per route, millicores. */
  readonly absolute: number;
}

export type Thresholds = Readonly<Record<ThresholdName, Threshold>>;

const KiB = 1024;
const MiB = 1024 * KiB;

export const DEFAULT_THRESHOLDS: Thresholds = {
  /** p50 of time to first success — and of every other milestone's latency (ready, routeAccepted, …). */
  ttfsP50: { relative: 0.2, absolute: 250 },
  /** p99 of time to first success and of every other milestone's latency. */
  ttfsP99: { relative: 0.25, absolute: 500 },
  /** Fewer ready routes: more than 1 % fewer and more than 1 percentage point. */
  readyRatio: { relative: 0.01, absolute: 0.01 },
  peakMemory: { relative: 0.15, absolute: 20 * MiB },
  memoryPerRoute: { relative: 0.15, absolute: 2 * KiB },
  peakCpu: { relative: 0.25, absolute: 50 },
};

export const THRESHOLD_NAMES = Object.keys(DEFAULT_THRESHOLDS) as ThresholdName[];

/** The unit each threshold's absolute value is in. */
const THRESHOLD_UNITS: Readonly<Record<ThresholdName, MetricUnit>> = {
  ttfsP50: 'ms',
  ttfsP99: 'ms',
  readyRatio: 'ratio',
  peakMemory: 'bytes',
  memoryPerRoute: 'bytes/route',
  peakCpu: 'millicores',
};

/** "+20 % and +250 ms" (worse by more than both); ready ratio: "−1 % and −1.00 pp". */
export function describeThreshold(name: ThresholdName, threshold: Threshold): string {
  const sign = name === 'readyRatio' ? '−' : '+';
  return `${sign}${(threshold.relative * 100).toFixed(0)} % and ${sign}${formatDelta(THRESHOLD_UNITS[name], threshold.absolute).slice(1)}`;
}

type UnitKind = 'time' | 'ratio' | 'bytes' | 'cpu';
const KIND: Readonly<Record<ThresholdName, UnitKind>> = {
  ttfsP50: 'time',
  ttfsP99: 'time',
  readyRatio: 'ratio',
  peakMemory: 'bytes',
  memoryPerRoute: 'bytes',
  peakCpu: 'cpu',
};

const UNITS: Readonly<Record<UnitKind, Readonly<Record<string, number>>>> = {
  time: { ms: 1, s: 1000 },
  ratio: { pp: 0.01 },
  bytes: { b: 1, kib: KiB, mib: MiB, gib: 1024 * MiB, ki: KiB, mi: MiB, gi: 1024 * MiB, kb: 1e3, mb: 1e6, gb: 1e9 },
  cpu: { m: 1, cores: 1000, core: 1000 },
};

const UNIT_HELP: Readonly<Record<UnitKind, string>> = {
  time: 'a number of ms, or a string with ms or s (e.g. "250ms", "1.5s")',
  ratio: 'a fraction (0.01), or percentage points ("1pp")',
  bytes: 'a number of bytes, or a string with B, KiB, MiB, GiB (e.g. "20MiB")',
  cpu: 'a number of millicores, or a string with m or cores (e.g. "50m", "0.5cores")',
};

export class ThresholdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThresholdError';
  }
}

/** ttfsP50, ttfs-p50, TTFS_P50 → ttfsP50. */
export function thresholdName(text: string): ThresholdName {
  const key = text.toLowerCase().replace(/[-_\s]/g, '');
  const name = THRESHOLD_NAMES.find((n) => n.toLowerCase() === key);
  if (!name) throw new ThresholdError(`unknown threshold "${text}"; known: ${THRESHOLD_NAMES.join(', ')}`);
  return name;
}

/** A relative threshold: a fraction (0.2) or a percentage string ("20%"). */
export function parseRelative(value: unknown, where: string): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*[0-9.]+\s*%\s*$/.test(value)) n = Number(value.replace('%', '').trim()) / 100;
  else throw new ThresholdError(`${where}: got ${JSON.stringify(value)}; allowed: a fraction (0.2) or a percentage ("20%")`);
  if (!Number.isFinite(n) || n < 0) throw new ThresholdError(`${where}: got ${JSON.stringify(value)}; allowed: zero or more`);
  return n;
}

/** An absolute threshold in the metric's unit (see UNIT_HELP). */
export function parseAbsolute(name: ThresholdName, value: unknown, where: string): number {
  const kind = KIND[name];
  let n = NaN;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') {
    const match = /^\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]+)\s*$/.exec(value);
    const factor = match ? UNITS[kind][match[2].toLowerCase()] : undefined;
    if (match && factor !== undefined) n = Number(match[1]) * factor;
  }
  if (!Number.isFinite(n) || n < 0) throw new ThresholdError(`${where}: got ${JSON.stringify(value)}; allowed: ${UNIT_HELP[kind]}`);
  return n;
}

/** Overrides from a thresholds file: `{ "ttfsP50": { "relative": "30%", "absolute": "400ms" }, … }` (partial). */
export function thresholdsFromJson(data: unknown, source: string, base: Thresholds = DEFAULT_THRESHOLDS): Thresholds {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ThresholdError(`${source}: expected an object of thresholds by name (${THRESHOLD_NAMES.join(', ')})`);
  const out: Record<ThresholdName, Threshold> = { ...base };
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (key === '$schema' || key === 'description') continue;
    const name = thresholdName(key);
    if (typeof value !== 'object' || value === null) throw new ThresholdError(`${source}: ${key}: expected { "relative": …, "absolute": … }`);
    const { relative, absolute, ...rest } = value as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new ThresholdError(`${source}: ${key}: unknown field(s) ${extra.join(', ')}; allowed: relative, absolute`);
    out[name] = {
      relative: relative === undefined ? out[name].relative : parseRelative(relative, `${source}: ${key}.relative`),
      absolute: absolute === undefined ? out[name].absolute : parseAbsolute(name, absolute, `${source}: ${key}.absolute`),
    };
  }
  return out;
}

/** One `--threshold NAME=VALUE[,VALUE]` flag: a value ending in % is relative, any other absolute. */
export function applyThresholdFlag(flag: string, base: Thresholds): Thresholds {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new ThresholdError(`--threshold ${flag}: expected NAME=VALUE[,VALUE], e.g. ttfsP50=30%,400ms`);
  const name = thresholdName(flag.slice(0, eq));
  const values = flag
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (values.length === 0 || values.length > 2) throw new ThresholdError(`--threshold ${flag}: expected one or two values, e.g. ttfsP50=30%,400ms`);
  let { relative, absolute } = base[name];
  for (const value of values) {
    if (value.endsWith('%')) relative = parseRelative(value, `--threshold ${flag}`);
    else absolute = parseAbsolute(name, /^[0-9.]+$/.test(value) ? Number(value) : value, `--threshold ${flag}`);
  }
  return { ...base, [name]: { relative, absolute } };
}
