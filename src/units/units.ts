/**
 * The one parser of human units: durations (`500ms`, `5s`, `2m`, `1h`, or milliseconds), Kubernetes byte
 * quantities (`512Mi`, or bytes) and CPU quantities (`250m`, `12345n`), for scenario files, chart knobs and the
 * metrics the samplers read. Imports nothing, so any folder may import it without a cycle.
 */

const MS_PER_UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const BYTES_PER_SUFFIX: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
/** The grammars as JSON Schema patterns too, so that schemas accept exactly what these parsers read. */
export const DURATION_PATTERN = '^([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)$';
export const QUANTITY_PATTERN = '^([0-9]+(?:\\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$';
const DURATION = new RegExp(DURATION_PATTERN);
const QUANTITY = new RegExp(QUANTITY_PATTERN);

/** Milliseconds from a number (already ms) or a duration text; undefined when it is neither. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return value >= 0 ? value : undefined;
  const match = typeof value === 'string' ? DURATION.exec(value.trim()) : null;
  return match ? Number(match[1]) * MS_PER_UNIT[match[2]] : undefined;
}

/** The value of a Kubernetes byte quantity, possibly fractional ("1.5" is 1.5); undefined when the text is not one. */
export function quantityValue(text: string): number | undefined {
  const match = QUANTITY.exec(text.trim());
  return match ? Number(match[1]) * BYTES_PER_SUFFIX[match[2] ?? ''] : undefined;
}

/** Bytes from a number or a Kubernetes quantity; undefined when it is neither or not a whole number of bytes. */
export function sizeBytes(value: unknown): number | undefined {
  const bytes = typeof value === 'number' ? value : typeof value === 'string' ? quantityValue(value) : undefined;
  return bytes !== undefined && Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined;
}

const MILLICORES_PER_SUFFIX: Record<string, number> = { n: 1e-6, u: 1e-3, m: 1, '': 1000 };
const CPU_QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(n|u|m)?$/;

/** Millicores from a Kubernetes CPU quantity ("12345n", "3m", "1"); NaN, not 0, when the text is not one, so sums show it. */
export function parseCpuMillicores(text: string): number {
  const match = CPU_QUANTITY.exec(text.trim());
  return match ? Number(match[1]) * MILLICORES_PER_SUFFIX[match[2] ?? ''] : NaN;
}

/** Bytes from a Kubernetes memory quantity ("123456Ki"); NaN, not 0, when the text is not one, so sums show it. */
export function parseMemoryBytes(text: string): number {
  return quantityValue(text) ?? NaN;
}

/** The shortest exact duration text: 120000 → `2m`, 1500 → `1500ms`, 5000 → `5s`. */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) if (ms >= MS_PER_UNIT[unit] && ms % MS_PER_UNIT[unit] === 0) return `${ms / MS_PER_UNIT[unit]}${unit}`;
  return `${ms}ms`;
}

/** The shortest exact binary quantity: 26214400 → `25Mi`; other values stay bytes. */
export function formatSize(bytes: number): string {
  for (const suffix of ['Ti', 'Gi', 'Mi', 'Ki'] as const) if (bytes >= BYTES_PER_SUFFIX[suffix] && bytes % BYTES_PER_SUFFIX[suffix] === 0) return `${bytes / BYTES_PER_SUFFIX[suffix]}${suffix}`;
  return String(bytes);
}
