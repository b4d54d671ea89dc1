import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AIBackendPool, AIBackendPoolProps, aiBackendNames, aiBackendPoolManifests } from '../constructs/ai-backend-pool';
import { AIRouteSet, AIRouteSetProps, aiRouteManifests } from '../constructs/ai-route-set';
import { fixtureLabels } from '../constructs/conventions';
import { GatewayInfra, GatewayInfraProps, gatewayInfraManifests } from '../constructs/gateway-infra';
import { Manifest, addApiObjects } from '../constructs/manifest';
import { MockProvider, MockProviderProps, mockProviderManifests } from '../constructs/mock-provider';
import { FixtureSpec, FixtureSpecInput, fixtureInputOf, resolveFixtureSpec } from './fixture-spec';

/** Inputs of the fixture that are not validated knobs: code shipped into pods. */
export interface FixtureExtras {
  /**
   * The bundled mock provider (`bundleMockProvider()`); when given, the fixture runs it as one Deployment with a
   * Service per backend, which the Backends point at. Ignored with `providerHost`. @default undefined (no mock)
   */
  readonly mockProviderCode?: string;
  /** Further mock provider settings (image, replicas, resources …). @default the construct's defaults */
  readonly mockProvider?: Partial<Omit<MockProviderProps, 'fixtureId' | 'namespace' | 'backends' | 'code' | 'port'>>;
}

export type ScaleFixtureProps = FixtureSpecInput & FixtureExtras;

/** A named group of manifests; parts are applied and written in order. */
export interface FixturePart {
  readonly name: 'namespace' | 'gateway' | 'provider' | 'backends' | 'routes';
  readonly manifests: Iterable<Manifest>;
}

interface PartProps {
  gateway: GatewayInfraProps;
  provider?: MockProviderProps;
  backends: AIBackendPoolProps;
  routes: AIRouteSetProps;
}

/** The props each construct of the fixture receives, derived from the spec in one place. */
function partProps(spec: FixtureSpec, extras: FixtureExtras): PartProps {
  const base = { fixtureId: spec.fixtureId, namespace: spec.namespace };
  if (spec.mockProvider && spec.providerHost === undefined && extras.mockProviderCode === undefined) {
    throw new Error('mockProvider needs the bundled mock provider (FixtureExtras.mockProviderCode; `aigw-scale synth --mock-provider` bundles it)');
  }
  const withMock = extras.mockProviderCode !== undefined && spec.providerHost === undefined;
  return {
    provider: withMock
      ? { ...base, backends: aiBackendNames(spec.backends), port: spec.providerPort, code: extras.mockProviderCode!, ...extras.mockProvider }
      : undefined,
    gateway: { ...base, gatewayName: spec.gatewayName, listenerPort: spec.listenerPort, connectionBufferLimit: spec.connectionBufferLimit, envoyServiceType: spec.envoyServiceType },
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
export function fixtureParts(spec: FixtureSpec, extras: FixtureExtras = {}): FixturePart[] {
  const props = partProps(spec, extras);
  return [
    { name: 'namespace', manifests: namespaceManifests(spec) },
    { name: 'gateway', manifests: gatewayInfraManifests(props.gateway) },
    { name: 'provider', manifests: props.provider ? mockProviderManifests(props.provider) : [] },
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
    const spec = resolveFixtureSpec(fixtureInputOf(props));
    super(scope, id, { disableResourceNameHashes: true });
    this.spec = spec;
    const parts = partProps(spec, props);
    addApiObjects(new Construct(this, 'Namespace'), namespaceManifests(spec));
    new GatewayInfra(this, 'GatewayInfra', parts.gateway);
    if (parts.provider) new MockProvider(this, 'MockProvider', parts.provider);
    new AIBackendPool(this, 'Backends', parts.backends);
    new AIRouteSet(this, 'Routes', parts.routes);
  }
}
