import { nowMs } from '../../time/clock';
import { RunContext, WARM_UP_ROUTES } from '../run-context';
import { sleepUntil } from '../../time/sleep';

/** Deletes the timed routes in the scenario's number of steps, sampling between them. */
export async function scaleDownPhase(ctx: RunContext): Promise<void> {
  const { scenario, signal } = ctx.options;
  const steps = scenario.load.scaleDownSteps;
  if (!steps || steps <= 0) return;
  ctx.enter('scale-down', `${steps} steps`);
  const live = ctx.allRoutes.slice(WARM_UP_ROUTES).filter((route) => ctx.liveRoutes.has(route.metadata.name));
  const stepSize = Math.ceil(live.length / steps);
  for (let end = live.length; end > 0 && !ctx.aborted(); end -= stepSize) {
    await ctx.deleteRoutes(live.slice(Math.max(0, end - stepSize), end));
    await sleepUntil(nowMs() + scenario.sampling.intervalMs * 3, signal); // let memory settle, keep sampling
  }
}
