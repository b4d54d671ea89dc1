/**
 * On kind no load balancer gives the Gateway's Envoy Service an address, and without one Envoy Gateway never sets
 * the Gateway Programmed: the example scenario's `gatewayProgrammed` milestone would never be reached and the run
 * judged invalid. A kind stack's Gateway therefore takes an EnvoyProxy with a NodePort Service (Envoy Gateway
 * reports the nodes' addresses for it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { fixtureParts } from '../../charts/scale-fixture';
import { parseInfraConfig } from '../../infra/config';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'scenarios', 'steps-churn-slo.yaml');

/** The Envoy Service type the stack's Gateway gets, following its parametersRef to the EnvoyProxy in the fixture. */
function envoyServiceType(raw: Record<string, string>): string | undefined {
  const config = parseInfraConfig(raw, { stack: 'dev', env: {} });
  const gatewayPart = [...fixtureParts(config.fixture, { mockProviderCode: 'mock' }).find((p) => p.name === 'gateway')!.manifests] as any[];
  const gateway = gatewayPart.find((m: any) => m.kind === 'Gateway')!;
  const ref = gateway.spec.infrastructure?.parametersRef;
  if (ref === undefined) return undefined;
  const proxy = gatewayPart.find((m: any) => m.kind === ref.kind && m.metadata.name === ref.name && m.metadata.namespace === gateway.metadata.namespace);
  expect(proxy).toBeDefined();
  return proxy!.spec.provider.kubernetes.envoyService.type;
}

test("the example scenario's Gateway Programmed milestone is reachable on kind: the kind stack's Envoy Service is a NodePort", () => {
  const milestones: any[] = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8')).milestones.filter((m: any) => m.kind === 'Gateway');
  expect(milestones.map((m) => m.condition?.type)).toEqual(['Programmed']);
  expect(envoyServiceType({ clusterType: 'kind' })).toBe('NodePort');
});

test('a stack may choose the Envoy Service type; elsewhere than kind the Gateway keeps Envoy Gateway’s default (no EnvoyProxy)', () => {
  expect(envoyServiceType({ clusterType: 'kind', envoyServiceType: 'LoadBalancer' })).toBe('LoadBalancer');
  expect(envoyServiceType({ clusterType: 'eks' })).toBeUndefined();
});
