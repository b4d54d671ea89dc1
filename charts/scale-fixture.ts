import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AIBackendPool, AIBackendPoolProps, aiBackendNames, aiBackendPoolManifests } from '../constructs/ai-backend-pool';
import { AIRouteSet, AIRouteSetProps, aiRouteManifests } from '../constructs/ai-route-set';
import { fixtureLabels } from '../constructs/conventions';
import { GatewayInfra, GatewayInfraProps, gatewayInfraManifests } from '../constructs/gateway-infra';
import { Manifest, addApiObjects } from '../constructs/manifest';
import { FixtureSpec, FixtureSpecInput, resolveFixtureSpec } from './fixture-spec';

export type ScaleFixtureProps = FixtureSpecInput;

/** A named group of manifests; parts are applied and written in order. */
export interface FixturePart {
  readonly name: 'namespace' | 'gateway' | 'backends' | 'routes';
  readonly manifests: Iterable<Manifest>;
}

/** The props each construct of the fixture receives, derived from the spec in one place. */
function partProps(spec: FixtureSpec): { gateway: GatewayInfraProps; backends: AIBackendPoolProps; routes: AIRouteSetProps } {
  const base = { fixtureId: spec.fixtureId, namespace: spec.namespace };
  return {
    gateway: { ...base, gatewayName: spec.gatewayName, listenerPort: spec.listenerPort, connectionBufferLimit: spec.connectionBufferLimit },
    backends: {
      ...base,
      backends: spec.backends,
      providerPort: spec.providerPort,
      providerHost: spec.providerHost,
      headerMutations: spec.headerMutations,
      apiKeyAuth: spec.apiKeyAuth,
    },
    routes: { ...base, routes: spec.routes, backendNames: aiBackendNames(spec.backends), gatewayName: spec.gatewayName, apiVersion: spec.routeApiVersion },
  };
}

function namespaceManifests(spec: FixtureSpec): Manifest[] {
  if (!spec.createNamespace || spec.namespace === 'default') return [];
  return [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: spec.namespace, labels: fixtureLabels(spec.fixtureId) } }];
}

/**
 * The fixture's manifests without a construct tree: what `aigw-scale synth`, the applier and Pulumi's
 * bundle mode stream. Routes are produced lazily. Yields exactly the objects ScaleFixture synthesizes.
 */
export function fixtureParts(spec: FixtureSpec): FixturePart[] {
  const props = partProps(spec);
  return [
    { name: 'namespace', manifests: namespaceManifests(spec) },
    { name: 'gateway', manifests: gatewayInfraManifests(props.gateway) },
    { name: 'backends', manifests: aiBackendPoolManifests(props.backends) },
    { name: 'routes', manifests: aiRouteManifests(props.routes) },
  ];
}

/**
 * One Gateway, M backends and N AIGatewayRoutes, in apply order. Props are validated before any object is
 * built, so an invalid spec throws FixtureValidationError and adds nothing to the app.
 */
export class ScaleFixture extends Chart {
  /** The validated spec, defaults filled in. */
  readonly spec: FixtureSpec;

  constructor(scope: Construct, id: string, props: ScaleFixtureProps) {
    const spec = resolveFixtureSpec(props);
    super(scope, id, { disableResourceNameHashes: true });
    this.spec = spec;
    const parts = partProps(spec);
    addApiObjects(new Construct(this, 'Namespace'), namespaceManifests(spec));
    new GatewayInfra(this, 'GatewayInfra', parts.gateway);
    new AIBackendPool(this, 'Backends', parts.backends);
    new AIRouteSet(this, 'Routes', parts.routes);
  }
}
