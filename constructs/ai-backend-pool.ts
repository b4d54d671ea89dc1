import { Construct } from 'constructs';
import {
  AiServiceBackendV1Beta1,
  AiServiceBackendV1Beta1SpecSchemaName,
  BackendSecurityPolicyV1Beta1,
  BackendSecurityPolicyV1Beta1SpecType,
} from './generated/aigateway';
import { Backend } from './generated/envoy-gateway';
import { backendName, fixtureLabels } from './conventions';
import { Manifest, addApiObjects } from './manifest';

/** Name of the Secret holding the (mock) API key when `apiKeyAuth` is on. */
export const API_KEY_SECRET_NAME = 'aigw-scale-api-key';
/** The mock provider ignores the key's value; a real provider's key never belongs in synthesized manifests. */
const MOCK_API_KEY = 'aigw-scale-mock-key';

export interface AIBackendPoolProps {
  /** Fixture id carried in every object's labels. */
  readonly fixtureId: string;
  /** Namespace of every object of the pool. */
  readonly namespace: string;
  /** Number of backends M; backend j is named `backend-00j`. */
  readonly backends: number;
  /** Port the provider listens on. @default 8080 */
  readonly providerPort?: number;
  /**
   * One FQDN all Backends point at. @default each backend its own Service of the same name,
   * `<backend>.<namespace>.svc.cluster.local`, so the mock provider can tell backends apart.
   */
  readonly providerHost?: string;
  /**
   * Headers each AIServiceBackend sets (`x-aigw-scale-header-1` …), 0 … 16. AI Gateway copies them into
   * every route's entry of its filter config, so they grow it. @default 0
   */
  readonly headerMutations?: number;
  /** Give every backend a BackendSecurityPolicy of type APIKey reading one (mock) Secret. @default false */
  readonly apiKeyAuth?: boolean;
}

/** Names of the M backends, shared by each Backend and its AIServiceBackend. */
export function aiBackendNames(backends: number): string[] {
  return Array.from({ length: backends }, (_, j) => backendName(j + 1));
}

/** The optional API-key Secret, then per backend: Backend, AIServiceBackend, optional BackendSecurityPolicy. */
export function aiBackendPoolManifests(props: AIBackendPoolProps): Manifest[] {
  const labels = fixtureLabels(props.fixtureId);
  const port = props.providerPort ?? 8080;
  const headerMutation = headerMutationOf(props.headerMutations ?? 0);
  const manifests: Manifest[] = [];
  if (props.apiKeyAuth) {
    manifests.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: API_KEY_SECRET_NAME, namespace: props.namespace, labels },
      type: 'Opaque',
      stringData: { apiKey: MOCK_API_KEY },
    });
  }
  for (const name of aiBackendNames(props.backends)) {
    const metadata = { name, namespace: props.namespace, labels };
    const hostname = props.providerHost ?? `${name}.${props.namespace}.svc.cluster.local`;
    manifests.push(
      Backend.manifest({ metadata, spec: { endpoints: [{ fqdn: { hostname, port } }] } }),
      AiServiceBackendV1Beta1.manifest({
        metadata,
        spec: {
          schema: { name: AiServiceBackendV1Beta1SpecSchemaName.OPEN_AI },
          backendRef: { name, kind: 'Backend', group: 'gateway.envoyproxy.io' },
          headerMutation,
        },
      }),
    );
    if (props.apiKeyAuth) {
      manifests.push(
        BackendSecurityPolicyV1Beta1.manifest({
          metadata: { ...metadata, name: `${name}-api-key` },
          spec: {
            type: BackendSecurityPolicyV1Beta1SpecType.API_KEY,
            apiKey: { secretRef: { name: API_KEY_SECRET_NAME } },
            targetRefs: [{ group: 'aigateway.envoyproxy.io', kind: 'AIServiceBackend', name }],
          },
        }),
      );
    }
  }
  return manifests;
}

/** The seed's "backend infrastructure": M × (Envoy Gateway Backend + AIServiceBackend with schema OpenAI). */
export class AIBackendPool extends Construct {
  /** AIServiceBackend names; index 0 is backend 1. */
  readonly backendNames: readonly string[];

  constructor(scope: Construct, id: string, props: AIBackendPoolProps) {
    super(scope, id);
    this.backendNames = aiBackendNames(props.backends);
    addApiObjects(this, aiBackendPoolManifests(props));
  }
}

function headerMutationOf(count: number) {
  if (count === 0) return undefined;
  return {
    set: Array.from({ length: count }, (_, k) => ({ name: `x-aigw-scale-header-${k + 1}`, value: `value-${k + 1}` })),
  };
}
