import { nowMs } from '../../time/clock';
import { checkHealthGate } from '../health-gate';
import { provisionStages } from '../load-shape';
import { Interrupted, RunContext, WARM_UP_ROUTES } from '../run-context';
import { sleepUntil } from '../../time/sleep';

/**
 * Creates the timed routes in the scenario's load shape: all at once, in batches, or in steps, each step waited
 * for, held, and followed by a health gate; a failed gate stops the ramp (not the run).
 */
export async function provisionPhase(ctx: RunContext): Promise<void> {
  const { cluster, scenario, spec, signal } = ctx.options;
  const shape = scenario.load.shape;
  const readiness = ctx.routeReadiness;
  const stages = provisionStages(shape, spec.routes, WARM_UP_ROUTES);
  if (shape.type !== 'steps') {
    ctx.enter('provision', `${spec.routes - WARM_UP_ROUTES} routes, ${shape.type}`);
    ctx.track(spec.routes - WARM_UP_ROUTES);
  }
  for (const stage of stages) {
    if (ctx.aborted()) break;
    const stageStarted = nowMs();
    const routes = ctx.allRoutes.slice(stage.from - 1, stage.to);
    if (stage.step !== undefined) {
      ctx.enter('provision', `step ${stage.step}: routes ${stage.from}–${stage.to}`, { step: stage.step });
      ctx.track(routes.length);
    }
    await ctx.createRoutes(routes);
    if (stage.waitReady) await readiness.idle();
    if (stage.intervalMs !== undefined) await sleepUntil(stageStarted + stage.intervalMs, signal);
    if (stage.step === undefined) continue;

    await readiness.idle(); // every route of the step is ready or timed out
    if (ctx.aborted()) break;
    if (stage.holdMs) {
      ctx.enter('hold', `${stage.holdMs} ms at ${ctx.liveRoutes.size} routes`, { step: stage.step });
      await sleepUntil(nowMs() + stage.holdMs, signal);
    }
    if (shape.type !== 'steps' || stage === stages[stages.length - 1] || ctx.aborted()) continue;
    const { attempted, failed } = ctx.routeTally;
    const gate = await checkHealthGate(cluster, shape.healthGate, stage.step, attempted === 0 ? 0 : failed / attempted, signal);
    ctx.gateChecks.push(gate);
    if (!gate.passed) {
      ctx.fail(`health gate after step ${stage.step} failed: ${gate.message}; the ramp stopped at ${ctx.liveRoutes.size} routes`);
      break;
    }
  }
}

/** Waits for the routes still pending (steps waited for each step already); the fixture is then at its peak. */
export async function validatePhase(ctx: RunContext): Promise<void> {
  const readiness = ctx.routeReadiness;
  if (ctx.options.scenario.load.shape.type !== 'steps') {
    ctx.enter('validate', `${readiness.pending} routes still waiting`);
    await readiness.idle();
  }
  if (ctx.aborted()) throw new Interrupted();
}
