import { ApiObject, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { BundledCode } from './bundled-code';
import { constructManifests } from './construct-manifests';
import { FIXTURE_LABEL, fixtureLabels } from './conventions';
import { Manifest } from './manifest';
import { CONFIGMAP_DATA_LIMIT_BYTES, DEFAULT_GZIP_THRESHOLD_BYTES, checkConfigMapSize } from './node-bundle';
import { IMAGE_PULL_POLICY, RESTRICTED_CONTAINER, RESTRICTED_POD, namedPort, restrictPodTemplate } from './restricted-pod';

export { CONFIGMAP_DATA_LIMIT_BYTES, DEFAULT_GZIP_THRESHOLD_BYTES };

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
  /** Requests and limits of the server (and the unpack step), set explicitly. @default requests 100m / 64Mi, limits 1 CPU / 256Mi */
  readonly resources?: kplus.ContainerResources;
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
export const DEFAULT_MOCK_PROVIDER_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
  memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
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
const PORT_NAME = 'http';
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

/** The MockProvider's objects without a construct tree (what `fixtureParts` streams): exactly what the construct synthesizes. */
export function mockProviderManifests(props: MockProviderProps): Manifest[] {
  return constructManifests((scope) => new MockProvider(scope, 'MockProvider', props));
}

/**
 * The mock LLM provider of a fixture: one Deployment running the bundled server (node:20-alpine, non-root,
 * read-only root filesystem) behind one Service per backend. Objects in apply order: the code ConfigMap, the
 * optional cassettes ConfigMap, the Deployment, the Services.
 */
export class MockProvider extends Construct {
  /** The bundled server and its ConfigMap. */
  readonly code: BundledCode;
  /** The cassettes ConfigMap, when cassettes are given. */
  readonly cassettes?: kplus.ConfigMap;
  readonly deployment: kplus.Deployment;
  /** One Service per backend, named like it, in the order given. */
  readonly services: readonly kplus.Service[];

  constructor(scope: Construct, id: string, props: MockProviderProps) {
    super(scope, id);
    const name = props.name ?? DEFAULT_MOCK_PROVIDER_NAME;
    const port = props.port ?? DEFAULT_MOCK_PROVIDER_PORT;
    const replicas = props.replicas ?? 1;
    const preStopSleep = props.preStopSleepSeconds ?? 3;
    checkProps(props, name, port, replicas);

    const selector = mockProviderSelector(props);
    const labels = { ...fixtureLabels(props.fixtureId), ...selector, [APP_COMPONENT_LABEL]: MOCK_PROVIDER_COMPONENT };
    const metadata = (objectName: string) => ({ name: objectName, namespace: props.namespace, labels });
    const image = props.image ?? DEFAULT_MOCK_PROVIDER_IMAGE;
    const resources = props.resources ?? DEFAULT_MOCK_PROVIDER_RESOURCES;

    this.code = new BundledCode(this, 'Code', { metadata: metadata(`${name}-code`), code: props.code, fileName: MOCK_PROVIDER_FILE, gzipThresholdBytes: props.gzipThresholdBytes, what: 'MockProvider code' });
    if (props.cassettes !== undefined && Object.keys(props.cassettes).length > 0) {
      this.cassettes = new kplus.ConfigMap(this, 'Cassettes', { metadata: metadata(`${name}-cassettes`), data: { ...props.cassettes } });
      checkConfigMapSize({ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(this.cassettes.name), data: this.cassettes.data }, 'MockProvider cassettes');
    }

    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: metadata(name),
      replicas,
      select: false, // selected by the stable labels below, not by the construct path
      podMetadata: { labels, annotations: { [CODE_CHECKSUM_ANNOTATION]: this.code.sha256 } },
      automountServiceAccountToken: false,
      terminationGracePeriod: Duration.seconds(props.terminationGracePeriodSeconds ?? 30),
      securityContext: RESTRICTED_POD,
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: selector }));
    restrictPodTemplate(this.deployment);

    const probe = (periodSeconds: number, failureThreshold: number) =>
      kplus.Probe.fromHttpGet('/healthz', { port, periodSeconds: Duration.seconds(periodSeconds), timeoutSeconds: Duration.seconds(2), failureThreshold });
    const server = this.deployment.addContainer({
      name: 'mock-provider',
      image,
      imagePullPolicy: IMAGE_PULL_POLICY,
      command: ['node'],
      args: [
        this.code.path,
        '--host', '0.0.0.0',
        '--port', String(port),
        ...(this.cassettes ? ['--cassettes', CASSETTES_DIR] : []),
        ...(props.args ?? []),
      ],
      // `ports`, not `portNumber`: the latter also adds a TCP startup probe the server does not need
      ports: [{ number: port, name: PORT_NAME, protocol: kplus.Protocol.TCP }],
      envVariables: Object.fromEntries(Object.entries(props.env ?? {}).map(([envName, value]) => [envName, kplus.EnvValue.fromValue(value)])),
      resources,
      securityContext: RESTRICTED_CONTAINER,
      readiness: probe(5, 2),
      liveness: probe(10, 6),
      lifecycle: preStopSleep > 0 ? { preStop: kplus.Handler.fromCommand(['sleep', String(preStopSleep)]) } : undefined,
    });
    // cdk8s-plus probes take a port number only; probing the named port follows the container if the port changes
    for (const probeField of ['readinessProbe', 'livenessProbe']) {
      namedPort(ApiObject.of(this.deployment), `/spec/template/spec/containers/0/${probeField}/httpGet/port`, PORT_NAME);
    }
    this.code.addUnpackStep(this.deployment, { image, resources });
    this.code.mount(server);
    if (this.cassettes) {
      server.mount(CASSETTES_DIR, kplus.Volume.fromConfigMap(this, 'CassettesVolume', this.cassettes, { name: 'cassettes', defaultMode: 0o444 }), { readOnly: true });
    }
    server.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', { sizeLimit: Size.mebibytes(16) }));

    const pods = kplus.Pods.select(this, 'Pods', { labels: selector });
    this.services = props.backends.map((backend) => {
      const service = new kplus.Service(this, `Service-${backend}`, {
        metadata: metadata(backend),
        type: kplus.ServiceType.CLUSTER_IP,
        selector: pods,
        ports: [{ name: PORT_NAME, port, protocol: kplus.Protocol.TCP }],
      });
      // cdk8s-plus takes a numeric targetPort only; the named port follows the container's
      namedPort(ApiObject.of(service), '/spec/ports/0/targetPort', PORT_NAME);
      return service;
    });
  }
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
