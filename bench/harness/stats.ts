import { Figure } from './schema';

/** min / median / max of a metric's rounds (the median of an even count is the mean of the middle two). */
export function figureOf(samples: readonly number[], lowerBound = false): Figure {
  if (samples.length === 0) throw new Error('a figure needs at least one sample');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { samples: [...samples], min: sorted[0], median, max: sorted[sorted.length - 1], ...(lowerBound ? { lowerBound } : {}) };
}

/**
 * The order of the sides in each round: rotated by one per round, so no side always runs first (a cold cache,
 * a warming CPU) or always right after another. Sides with fewer rounds drop out once they have them all.
 */
export function roundOrder<T extends { rounds?: number }>(sides: readonly T[], round: number): T[] {
  const rotated = sides.map((_, i) => sides[(i + round) % sides.length]);
  return rotated.filter((side) => round < (side.rounds ?? Infinity));
}
