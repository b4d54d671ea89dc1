/** How reports print numbers. Absent values print as NOT_MEASURED, never as 0. */

export const NOT_MEASURED = 'not measured';

export const MiB = 1024 * 1024;
export const KiB = 1024;

export const formatCount = (n: number): string => n.toLocaleString('en-US');

const fixed = (n: number, digits: number): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** 812 ms, 5.12 s, 48.3 s, 2 min 05 s. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return NOT_MEASURED;
  const abs = Math.abs(ms);
  if (abs < 1000) return `${fixed(ms, abs < 10 ? 1 : 0)} ms`;
  if (abs < 10_000) return `${fixed(ms / 1000, 2)} s`;
  if (abs < 120_000) return `${fixed(ms / 1000, 1)} s`;
  const sign = ms < 0 ? '−' : '';
  const totalSeconds = Math.round(abs / 1000);
  return `${sign}${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
}

/** Memory: 312.4 MiB, 1.21 GiB, 812 KiB. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return NOT_MEASURED;
  const abs = Math.abs(bytes);
  if (abs >= 1024 * MiB) return `${fixed(bytes / (1024 * MiB), 2)} GiB`;
  if (abs >= MiB) return `${fixed(bytes / MiB, 1)} MiB`;
  if (abs >= KiB) return `${fixed(bytes / KiB, 1)} KiB`;
  return `${fixed(bytes, 0)} B`;
}

/** Memory per route: 12.34 KiB/route, 870 B/route. */
export function formatBytesPerRoute(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return NOT_MEASURED;
  if (Math.abs(bytes) >= MiB) return `${fixed(bytes / MiB, 2)} MiB/route`;
  if (Math.abs(bytes) >= KiB) return `${fixed(bytes / KiB, 2)} KiB/route`;
  return `${fixed(bytes, 0)} B/route`;
}

/** CPU: 123 m (millicores), 1,250 m. */
export function formatCpu(millicores: number | undefined): string {
  if (millicores === undefined || !Number.isFinite(millicores)) return NOT_MEASURED;
  return `${fixed(millicores, Math.abs(millicores) < 10 ? 1 : 0)} m`;
}

/** 95.0 % (ratio 0.95). */
export function formatRatio(ratio: number | undefined, digits = 1): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return NOT_MEASURED;
  return `${fixed(ratio * 100, digits)} %`;
}

/** +12.3 % / −4.0 %. */
export function formatChangePercent(percent: number | undefined): string {
  if (percent === undefined) return '—';
  if (!Number.isFinite(percent)) return percent > 0 ? '+∞' : '−∞';
  const sign = percent > 0 ? '+' : percent < 0 ? '−' : '±';
  return `${sign}${fixed(Math.abs(percent), 1)} %`;
}

/** Prefixes a formatted absolute change with its sign. */
export const signed = (value: number, format: (v: number) => string): string => (value > 0 ? '+' : value < 0 ? '−' : '±') + format(Math.abs(value));

export type MetricUnit = 'ms' | 'ratio' | 'bytes' | 'bytes/route' | 'millicores';

/** The value formatter for a unit (comparison and repeat tables). */
export function formatValue(unit: MetricUnit, value: number | undefined): string {
  switch (unit) {
    case 'ms':
      return formatMs(value);
    case 'ratio':
      return formatRatio(value, 2);
    case 'bytes':
      return formatBytes(value);
    case 'bytes/route':
      return formatBytesPerRoute(value);
    case 'millicores':
      return formatCpu(value);
  }
}

/** An absolute change in a unit, with its sign; ratios as percentage points. */
export function formatDelta(unit: MetricUnit, value: number): string {
  if (unit === 'ratio') return signed(value * 100, (v) => `${v.toFixed(2)} pp`);
  return signed(value, (v) => formatValue(unit, v));
}
