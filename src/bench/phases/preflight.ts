import { PreflightResult, preflight } from '../preflight';
import { RunContext } from '../run-context';

/** Checks the cluster, the controllers and the config-size plan before anything is created. */
export async function preflightPhase(ctx: RunContext): Promise<PreflightResult> {
  const { cluster, scenario, spec, force, localControllers, onPhase } = ctx.options;
  const { gateway } = scenario;
  onPhase?.('preflight', gateway.mode === 'control-plane' ? 'readiness on the control plane (xDS + extproc)' : gateway.url ?? 'gateway through kubectl port-forward');
  const checked = await preflight(cluster, { spec, gatewayUrl: gateway.url, grpcMaxMessageBytes: gateway.grpcMaxMessageBytes, allowMissingControllers: gateway.allowMissingControllers, force: force ?? false, localControllers });
  ctx.notMeasured.push(...checked.warnings.filter((w) => w.includes('not found')).map((w) => `${w}: its CPU and memory were not measured`));
  return checked;
}
