/** What a run records besides its measurements: its settings, and what it could not measure. */
import { FixtureSpec } from '../../charts/fixture-spec';
import { BenchResults, CONTROL_PLANE_NOT_MEASURED_PREFIX, Component } from '../results/schema';
import { Scenario, ScenarioGateway } from '../scenario/types';

/** The run's settings as results record them (the whole scenario is recorded beside them). */
export function runSettings(spec: FixtureSpec, scenario: Scenario, warmUpRoutes: number): BenchResults['settings'] {
  const { load, probe } = scenario;
  const shape = load.shape;
  return {
    routes: spec.routes,
    warmUpRoutes,
    backends: spec.backends,
    headerMutations: spec.headerMutations,
    fixtureId: spec.fixtureId,
    namespace: spec.namespace,
    provisioning: shape.type === 'batches' ? { mode: 'batches', batchSize: shape.batchSize, batchIntervalMs: shape.intervalMs } : { mode: shape.type },
    perRouteTimeoutMs: probe.perRouteTimeoutMs,
    sampleIntervalMs: scenario.sampling.intervalMs,
    requestIntervalMs: probe.requestIntervalMs,
    scaleDownSteps: load.scaleDownSteps,
    grpcMaxMessageBytes: scenario.gateway.grpcMaxMessageBytes,
  };
}

/** What a control-plane run leaves out, said in every report of one. */
export const CONTROL_PLANE_NOT_MEASURED =
  `${CONTROL_PLANE_NOT_MEASURED_PREFIX} (no registry here ships it). A route counted as ready when Envoy Gateway served it in xDS to the Gateway's Envoy and the real AI Gateway extproc had loaded it; Envoy applying that config, the kubelet's Secret-volume refresh (we sync at once) and traffic were not measured.`;

/** The components a run of this mode should have sampled; one line for each that has no samples, and for the data plane. */
export function unmeasuredAfterRun(mode: ScenarioGateway['mode'], sampled: ReadonlySet<Component>): string[] {
  const expected: Component[] = mode === 'control-plane' ? ['envoy-gateway', 'ai-gateway-controller', 'ai-gateway-extproc'] : ['envoy-gateway', 'ai-gateway-controller', 'envoy-proxy'];
  const lines = expected.filter((c) => !sampled.has(c)).map((c) => `${c}: no CPU or memory samples (no pods found, or no metrics source)`);
  if (mode === 'control-plane') lines.push(CONTROL_PLANE_NOT_MEASURED);
  else if (mode !== 'cluster') lines.push(`data plane: requests went through the ${mode} gateway, not Envoy`);
  return lines;
}
