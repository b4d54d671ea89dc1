import { pendingRoute } from '../route-readiness';
import { Interrupted, RunContext, WARM_UP_ROUTES } from '../run-context';

/** The whole fixture with its first route, which must be ready before anything is timed; starts readiness. */
export async function warmUpPhase(ctx: RunContext): Promise<void> {
  ctx.enter('warm-up', 'infrastructure and route 1');
  const warmUp = ctx.allRoutes.slice(0, WARM_UP_ROUTES);
  await ctx.applyFixture(warmUp);
  const readiness = await ctx.startReadiness();
  const outcome = await ctx.untimedOutcome(pendingRoute(ctx.options.spec.namespace, warmUp[0], 1));
  if (ctx.aborted() || !outcome) throw new Interrupted();
  if (outcome.kind !== 'ready') {
    throw new Error(`${warmUp[0].metadata.name} was not ready ${readiness.description}: ${outcome.detail}; is the gateway routing this fixture?`);
  }
}
