import { Construct } from 'constructs';
import { FIXTURE_LABEL, fixtureLabels } from './conventions';
import { Manifest, addApiObjects } from './manifest';
import { CONFIGMAP_DATA_LIMIT_BYTES, DEFAULT_GZIP_THRESHOLD_BYTES, checkConfigMapSize, nodeBundle, ContainerResources, RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from './node-bundle';

export { CONFIGMAP_DATA_LIMIT_BYTES, DEFAULT_GZIP_THRESHOLD_BYTES };

/** Requests and limits of the container(s). */
export type MockProviderResources = ContainerResources;

export interface MockProviderProps {
  /** Fixture id carried in every object's labels. */
  readonly fixtureId: string;
  /** Namespace of every object. */
  readonly namespace: string;
  /**
   * Backend names; each gets a Service of exactly that name in front of the one Deployment, so the Backend
   * FQDN `<backend>.<namespace>.svc.cluster.local` resolves to the mock, which answers as that backend (it
   * reads the Host header). Typically `aiBackendNames(spec.backends)`.
   */
  readonly backends: readonly string[];
  /** The bundled server (`bundleMockProvider()` / dist/mock-provider.js), passed in so synthesis stays pure. */
  readonly code: string;
  /** Cassette files (file name → JSON text) replayed by the mock; a second ConfigMap. @default none */
  readonly cassettes?: Readonly<Record<string, string>>;
  /** Name of the Deployment and its ConfigMaps. @default "mock-provider" */
  readonly name?: string;
  /** Container image; needs `node` ≥ 20 on the PATH. @default "node:20-alpine" */
  readonly image?: string;
  /** Port of every Service and of the container. @default 8080 */
  readonly port?: number;
  /** Pods of the one Deployment (all backends share them). @default 1 */
  readonly replicas?: number;
  /** @default requests 100m / 64Mi, limits 1 CPU / 256Mi */
  readonly resources?: MockProviderResources;
  /** Extra flags for the server, e.g. ["--delay-ms", "20-80", "--seed", "7"] (see `node mock-provider.js --help`). @default none */
  readonly args?: readonly string[];
  /** Extra environment variables (MOCK_* settings). Never put real provider keys here. @default none */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Code larger than this (bytes) is gzipped into the ConfigMap's binaryData and unpacked by an init
   * container, keeping the ConfigMap under Kubernetes' 1 MiB object limit. @default 768 KiB
   */
  readonly gzipThresholdBytes?: number;
  /** Pod terminationGracePeriodSeconds; covers the preStop sleep plus the server's drain (25 s by default). @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Seconds a terminating pod keeps accepting connections (a preStop `sleep`, from the image's shell tools)
   * while the Services drop its endpoint, so Envoy's new connections are not refused during a rollout.
   * 0 omits the hook (for images without `sleep`). @default 3
   */
  readonly preStopSleepSeconds?: number;
}

export const DEFAULT_MOCK_PROVIDER_NAME = 'mock-provider';
export const DEFAULT_MOCK_PROVIDER_IMAGE = 'node:20-alpine';
export const DEFAULT_MOCK_PROVIDER_PORT = 8080;
export const DEFAULT_MOCK_PROVIDER_RESOURCES: MockProviderResources = {
  requests: { cpu: '100m', memory: '64Mi' },
  limits: { cpu: '1', memory: '256Mi' },
};
/** The ConfigMap key and file name of the bundle. */
export const MOCK_PROVIDER_FILE = 'mock-provider.js';
export const MOCK_PROVIDER_COMPONENT = 'mock-provider';
/** Pod annotation with the bundle's sha256, so a new bundle rolls the pods. */
export const CODE_CHECKSUM_ANNOTATION = 'aigw-scale/mock-provider-sha256';

const APP_NAME_LABEL = 'app.kubernetes.io/name';
const APP_INSTANCE_LABEL = 'app.kubernetes.io/instance';
const APP_COMPONENT_LABEL = 'app.kubernetes.io/component';
const APP_NAME = 'aigw-scale-mock-provider';
const CASSETTES_DIR = '/cassettes';
const DNS1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** Labels selecting the mock's pods; stable (a Deployment's selector is immutable). */
export function mockProviderSelector(props: Pick<MockProviderProps, 'fixtureId' | 'name'>): Record<string, string> {
  return {
    [APP_NAME_LABEL]: APP_NAME,
    [APP_INSTANCE_LABEL]: props.name ?? DEFAULT_MOCK_PROVIDER_NAME,
    [FIXTURE_LABEL]: props.fixtureId,
  };
}

/**
 * The mock provider's objects in apply order: the code ConfigMap, the optional cassettes ConfigMap, one
 * Deployment serving every backend, and one Service per backend named exactly like the backend.
 */
export function mockProviderManifests(props: MockProviderProps): Manifest[] {
  const name = props.name ?? DEFAULT_MOCK_PROVIDER_NAME;
  const port = props.port ?? DEFAULT_MOCK_PROVIDER_PORT;
  const replicas = props.replicas ?? 1;
  checkProps(props, name, port, replicas);

  const selector = mockProviderSelector(props);
  const labels = { ...fixtureLabels(props.fixtureId), ...selector, [APP_COMPONENT_LABEL]: MOCK_PROVIDER_COMPONENT };
  const codeConfigMapName = `${name}-code`;
  const cassettesConfigMapName = `${name}-cassettes`;
  const hasCassettes = props.cassettes !== undefined && Object.keys(props.cassettes).length > 0;
  const resources = props.resources ?? DEFAULT_MOCK_PROVIDER_RESOURCES;
  const securityContext = RESTRICTED_CONTAINER_SECURITY_CONTEXT;
  const image = props.image ?? DEFAULT_MOCK_PROVIDER_IMAGE;
  const bundle = nodeBundle({
    configMapName: codeConfigMapName,
    namespace: props.namespace,
    labels,
    code: props.code,
    fileName: MOCK_PROVIDER_FILE,
    gzipThresholdBytes: props.gzipThresholdBytes,
    image,
    resources,
    securityContext,
    what: 'MockProvider code',
  });
  const manifests: Manifest[] = [bundle.configMap];
  if (hasCassettes) {
    const cassettesConfigMap: Manifest = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: cassettesConfigMapName, namespace: props.namespace, labels },
      data: { ...props.cassettes },
    };
    checkConfigMapSize(cassettesConfigMap, 'MockProvider cassettes');
    manifests.push(cassettesConfigMap);
  }

  const args = [
    bundle.path,
    '--host', '0.0.0.0',
    '--port', String(port),
    ...(hasCassettes ? ['--cassettes', CASSETTES_DIR] : []),
    ...(props.args ?? []),
  ];
  const volumeMounts = [
    ...bundle.volumeMounts,
    ...(hasCassettes ? [{ name: 'cassettes', mountPath: CASSETTES_DIR, readOnly: true }] : []),
    { name: 'tmp', mountPath: '/tmp' },
  ];
  const volumes = [
    ...bundle.volumes,
    ...(hasCassettes ? [{ name: 'cassettes', configMap: { name: cassettesConfigMapName, defaultMode: 0o444 } }] : []),
    { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
  ];
  const preStopSleep = props.preStopSleepSeconds ?? 3;
  const probe = (periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path: '/healthz', port: 'http' },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  });

  manifests.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: props.namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels,
          annotations: { [CODE_CHECKSUM_ANNOTATION]: bundle.sha256 },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false, // one Service per backend: thousands of env vars otherwise
          terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 30,
          securityContext: RESTRICTED_POD_SECURITY_CONTEXT,
          ...(bundle.initContainers.length > 0 ? { initContainers: bundle.initContainers } : {}),
          containers: [
            {
              name: 'mock-provider',
              image,
              command: ['node'],
              args,
              ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
              ...(props.env && Object.keys(props.env).length > 0
                ? { env: Object.entries(props.env).map(([envName, value]) => ({ name: envName, value })) }
                : {}),
              resources,
              securityContext,
              readinessProbe: probe(5, 2),
              livenessProbe: probe(10, 6),
              ...(preStopSleep > 0 ? { lifecycle: { preStop: { exec: { command: ['sleep', String(preStopSleep)] } } } } : {}),
              volumeMounts,
            },
          ],
          volumes,
        },
      },
    },
  });

  for (const backend of props.backends) {
    manifests.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: backend, namespace: props.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }],
      },
    });
  }
  return manifests;
}

function checkProps(props: MockProviderProps, name: string, port: number, replicas: number): void {
  const problems: string[] = [];
  if (!DNS1035_LABEL.test(name) || name.length > 50) problems.push(`name ${JSON.stringify(name)}: a DNS-1035 label of at most 50 characters`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`port ${port}: an integer from 1 to 65535`);
  if (!Number.isInteger(replicas) || replicas < 0) problems.push(`replicas ${replicas}: a non-negative integer`);
  const preStop = props.preStopSleepSeconds ?? 3;
  const grace = props.terminationGracePeriodSeconds ?? 30;
  if (!Number.isInteger(preStop) || preStop < 0 || preStop >= grace) problems.push(`preStopSleepSeconds ${preStop}: an integer from 0 to below terminationGracePeriodSeconds (${grace})`);
  if (typeof props.code !== 'string' || props.code.length === 0) problems.push('code: the bundled server text (bundleMockProvider()) is required');
  if (props.backends.length === 0) problems.push('backends: at least one backend name');
  const seen = new Set<string>();
  for (const backend of props.backends) {
    if (!DNS1035_LABEL.test(backend)) problems.push(`backend ${JSON.stringify(backend)}: a Service name (DNS-1035 label)`);
    if (seen.has(backend)) problems.push(`backend ${JSON.stringify(backend)} is listed twice`);
    seen.add(backend);
  }
  for (const file of Object.keys(props.cassettes ?? {})) {
    if (!CONFIGMAP_KEY.test(file) || !file.endsWith('.json')) problems.push(`cassette file ${JSON.stringify(file)}: a ConfigMap key ending in .json`);
  }
  if (problems.length > 0) throw new Error(`Invalid MockProvider props:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

/**
 * The mock LLM provider of a fixture: one Deployment running the bundled server (node:20-alpine, non-root,
 * read-only root filesystem) behind one Service per backend.
 */
export class MockProvider extends Construct {
  /** Name of the Deployment. */
  readonly deploymentName: string;
  /** Service names, one per backend, in the order given. */
  readonly serviceNames: readonly string[];

  constructor(scope: Construct, id: string, props: MockProviderProps) {
    super(scope, id);
    this.deploymentName = props.name ?? DEFAULT_MOCK_PROVIDER_NAME;
    this.serviceNames = [...props.backends];
    addApiObjects(this, mockProviderManifests(props));
  }
}
