import { nowMs } from '../../time/clock';
import { churnVictims } from '../load-shape';
import { Interrupted, RunContext, WARM_UP_ROUTES } from '../run-context';
import { sleepUntil } from '../../time/sleep';

/** Churn cycles on the timed routes that exist (a failed gate stopped the ramp, not the run): delete, wait, recreate. */
export async function churnPhase(ctx: RunContext): Promise<void> {
  const churn = ctx.options.scenario.load.churn;
  const { signal } = ctx.options;
  for (let cycle = 1; churn && cycle <= churn.cycles && !ctx.aborted(); cycle++) {
    const timed = ctx.allRoutes.slice(WARM_UP_ROUTES).filter((route) => ctx.liveRoutes.has(route.metadata.name));
    const victims = churnVictims(timed, churn.share, cycle);
    if (victims.length === 0) break; // no timed route exists to churn
    ctx.enter('churn', `cycle ${cycle}: deleting and recreating ${victims.length} routes`, { cycle });
    ctx.track(victims.length);
    await ctx.deleteRoutes(victims);
    await ctx.waitRoutesGone(victims);
    await sleepUntil(nowMs() + churn.deleteDelayMs, signal);
    if (ctx.aborted()) break;
    await ctx.createRoutes(victims);
    await ctx.routeReadiness.idle();
    await sleepUntil(nowMs() + churn.recreateDelayMs, signal);
  }
  if (ctx.aborted()) throw new Interrupted();
}
