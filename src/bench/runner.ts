import * as os from 'node:os';
import { BenchResults, RESULTS_SCHEMA_VERSION } from '../results/schema';
import { MeasuredResults } from './measurements/measurement';
import { RunMeasurements, chooseMeasurements } from './measurements/run-measurements';
import { churnPhase } from './phases/churn';
import { cleanupPhase } from './phases/cleanup';
import { preflightPhase } from './phases/preflight';
import { provisionPhase, validatePhase } from './phases/provision';
import { scaleDownPhase } from './phases/scale-down';
import { warmUpPhase } from './phases/warm-up';
import { Interrupted, RunContext, WARM_UP_ROUTES } from './run-context';
import { RunOptions, clampToCreated, runSettings, unmeasuredAfterRun } from './run-record';
import { runnerPlatform } from './samplers';

/**
 * One benchmark run as a scenario describes it: preflight → warm-up (infrastructure and route 1, which must
 * answer before anything is timed) → provision the other routes in the scenario's load shape (all at once, in
 * batches, or in steps with a hold and a health gate between them), following each route until it is ready →
 * validate → churn cycles → optional scale-down → cleanup. The scenario's measurements (samples, milestones,
 * profiles, config sizes, extension calls) run alongside. Ctrl-C (the signal) or an error ends the run early:
 * what was measured is returned and the fixture is still cleaned up (unless kept).
 */
export async function runScenario(options: RunOptions): Promise<BenchResults> {
  const { cluster, scenario, spec } = options;
  const ctx = new RunContext(options);
  const checked = await preflightPhase(ctx);
  const measurements = new RunMeasurements(chooseMeasurements(options));
  const measured: MeasuredResults = { failures: ctx.failures, notMeasured: ctx.notMeasured, samples: [], profiles: [] };

  let interrupted = false;
  try {
    await measurements.start(ctx);
    await warmUpPhase(ctx);
    await provisionPhase(ctx);
    await validatePhase(ctx);
    // The fixture is at its peak (full scale, or where a failed gate stopped the ramp).
    await measurements.atPeak();
    await churnPhase(ctx);
    await scaleDownPhase(ctx);
  } catch (error) {
    interrupted = true;
    if (!(error instanceof Interrupted) && !ctx.aborted()) ctx.fail((error as Error).message);
  } finally {
    await ctx.closeReadiness();
    await measurements.finish(measured, 'before-cleanup');
    await cleanupPhase(ctx);
    await measurements.finish(measured, 'after-cleanup');
    ctx.endPhases();
  }

  const mode = scenario.gateway.mode;
  ctx.notMeasured.push(...unmeasuredAfterRun(mode, new Set(measured.samples.map((s) => s.component)), measured.extensionCalls !== undefined));
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'aigw-scale', version: options.toolVersion },
    run: { id: spec.fixtureId, startedAt: ctx.startedAt.toISOString(), finishedAt: new Date().toISOString(), mode, interrupted },
    environment: { context: cluster.contextName, server: cluster.server, kubernetesVersion: checked.kubernetesVersion, nodes: checked.nodes, runnerCpus: os.cpus().length, runnerPlatform: runnerPlatform() },
    versions: checked.versions,
    settings: runSettings(spec, scenario, WARM_UP_ROUTES),
    scenario,
    repeat: options.repeat,
    plan: checked.plan,
    phases: ctx.phases,
    milestones: clampToCreated(ctx.milestones),
    samples: measured.samples,
    failures: ctx.failures,
    gateChecks: ctx.gateChecks,
    profiles: measured.profiles,
    ...(measured.configSizes && { configSizes: measured.configSizes }),
    ...(measured.extensionCalls && { extensionCalls: measured.extensionCalls }),
    notMeasured: ctx.notMeasured,
  };
}
