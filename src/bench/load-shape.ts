import { LoadShape } from '../results/scenario';

/** One stretch of provisioning: routes `from`…`to` (1-based route numbers, inclusive) created together. */
export interface ProvisionStage {
  readonly from: number;
  readonly to: number;
  /** Load step (1-based), for the `steps` shape. */
  readonly step?: number;
  /** `batches`: time from this batch's start to the next one's. */
  readonly intervalMs?: number;
  /** `batches`: wait until this batch's routes settled before the next one. */
  readonly waitReady?: boolean;
  /** `steps`: hold at this level after the step's routes settled. */
  readonly holdMs?: number;
}

/**
 * The stages that take a fixture from its warm-up routes to `routes`: one for `all-at-once`, one per batch, one
 * per step (cumulative step targets become ranges). Route numbers after `warmUpRoutes` only.
 */
export function provisionStages(shape: LoadShape, routes: number, warmUpRoutes: number): ProvisionStage[] {
  const first = warmUpRoutes + 1;
  if (first > routes) return [];
  switch (shape.type) {
    case 'all-at-once':
      return [{ from: first, to: routes }];
    case 'batches': {
      const stages: ProvisionStage[] = [];
      for (let from = first; from <= routes; from += shape.batchSize) stages.push({ from, to: Math.min(routes, from + shape.batchSize - 1), intervalMs: shape.intervalMs, ...(shape.waitReady ? { waitReady: true } : {}) });
      return stages;
    }
    case 'steps': {
      let from = first;
      return shape.steps.map((step, index) => {
        const stage = { from, to: Math.min(routes, step.routes), step: index + 1, holdMs: step.holdMs };
        from = Math.max(from, stage.to + 1);
        return stage;
      });
    }
  }
}

/**
 * The routes churn cycle `cycle` (1-based) deletes and recreates: `share` of `routes` (at least one), spread evenly
 * over the list (every k-th) and shifted by one place per cycle so successive cycles touch different routes.
 */
export function churnVictims<T>(routes: readonly T[], share: number, cycle: number): T[] {
  if (routes.length === 0) return [];
  const count = Math.min(routes.length, Math.max(1, Math.round(share * routes.length)));
  const offset = cycle - 1;
  return Array.from({ length: count }, (_, j) => routes[(Math.floor((j * routes.length) / count) + offset) % routes.length]);
}
