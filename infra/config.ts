/**
 * The stack's typed configuration: every `aigw-scale:*` key is read and validated here, once, before the
 * program creates a single resource. The fixture's keys are its knobs' names (FIXTURE_PROPERTIES), validated once
 * by `resolveFixtureSpec`; the gRPC knob goes through `parseGrpcMessageLimit`, so the limits and messages are the
 * same as the CLI's.
 *
 * `parseInfraConfig` is pure (raw strings in, typed config out); `loadInfraConfig` reads the Pulumi runtime.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import * as YAML from 'yaml';
import { FIXTURE_PROPERTIES, FIXTURE_PROPS, FixtureProp, FixtureSpec, FixtureValidationError, fixtureInputFromText, resolveFixtureSpec } from '../charts/fixture-spec';
import { GrpcMessageLimit, HelmValuesError, parseGrpcMessageLimit } from '../charts/helm-values';
import { resolveKubeconfigPath } from '../src/kube/cluster';
import { KubeconfigError, loadKubeconfig } from '../src/kube/kubeconfig';
import { ENVOY_GATEWAY_ADMIN_PORT } from '../src/bench/profiles';
import { AI_GATEWAY_VERSION, ENVOY_GATEWAY_VERSION } from '../src/install/facts';

/** The Pulumi project name, and the namespace of every config key (`aigw-scale:routes`). */
export const PROJECT = 'aigw-scale';
/** The repository root: the Pulumi project directory (Pulumi.yaml lives here). */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

export const CLUSTER_TYPES = ['kind', 'kubeconfig', 'eks'] as const;
export type ClusterType = (typeof CLUSTER_TYPES)[number];
export const FIXTURE_MODES = ['bundle', 'resources'] as const;
export type FixtureMode = (typeof FIXTURE_MODES)[number];

/**
 * kind, pinned once (the CI workflow and the error messages read it here): v0.32.0 is the newest release in the
 * kind repository, and this is its default node image (`pkg/apis/config/defaults/image.go` at that tag).
 */
export const KIND_VERSION = 'v0.32.0';
export const KIND_NODE_IMAGE = 'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5';

/**
 * Host ports `aigw-scale local up --controllers` binds (src/local/controllers.ts): the AI Gateway controller's
 * fixed :8080 (metrics) and :18002 on all addresses, and Envoy Gateway's admin port forwarded to loopback.
 */
export const LOCAL_CONTROLLERS_HOST_PORTS: readonly number[] = [8080, 18002, ENVOY_GATEWAY_ADMIN_PORT];

/** Pinned versions (src/install/facts.ts) and chart references. */
export const DEFAULTS = {
  routes: FIXTURE_PROPERTIES.routes.default,
  envoyGatewayVersion: ENVOY_GATEWAY_VERSION,
  aiGatewayVersion: AI_GATEWAY_VERSION,
  envoyGatewayChart: 'oci://docker.io/envoyproxy/gateway-helm',
  aiGatewayCrdsChart: 'oci://docker.io/envoyproxy/ai-gateway-crds-helm',
  aiGatewayChart: 'oci://docker.io/envoyproxy/ai-gateway-helm',
  chartSource: 'oci',
  helmTimeoutSeconds: 600,
  clusterType: 'kind' as ClusterType,
  kindNodeImage: KIND_NODE_IMAGE,
  /** Stacks that may run side by side set their own (see the Pulumi.<stack>.yaml files). */
  kindGatewayPort: 18080,
  kindEnvoyServiceType: 'NodePort' as const,
  eksInstanceType: 'm6i.xlarge',
  eksNodes: 2,
  fixtureMode: 'bundle' as FixtureMode,
  /** A stack stands alone: unless providerHost points elsewhere, its fixture brings the mock provider (the knob's default elsewhere is false). */
  mockProvider: true,
} as const;

/** Chart directory names under a local `chartSource` (as released: `<chart>-<version>`). */
export const CHART_NAMES = { envoyGateway: 'gateway-helm', aiGatewayCrds: 'ai-gateway-crds-helm', aiGateway: 'ai-gateway-helm' } as const;

/** Where a Helm chart comes from: an OCI reference plus version, or a chart directory on this machine. */
export type ChartRef = { readonly source: 'oci'; readonly chart: string; readonly version: string } | { readonly source: 'local'; readonly chart: string; readonly version: string };

export interface KindSettings {
  /** Cluster name, derived from the stack: `aigw-scale-<stack>`. */
  readonly name: string;
  readonly nodeImage: string;
  /** Host port (127.0.0.1) mapped to the Gateway's NodePort; 0 disables the mapping. */
  readonly gatewayPort: number;
}

export interface KubeconfigSettings {
  /** Absolute path of the kubeconfig file. */
  readonly path: string;
  /** Context to use; undefined means the file's current-context. */
  readonly context?: string;
  /** The context that will actually be used (named or current). */
  readonly effectiveContext: string;
  /** The API server URL of that context, for messages. */
  readonly server: string;
}

export interface EksSettings {
  readonly instanceType: string;
  readonly nodes: number;
  readonly kubernetesVersion?: string;
}

/** Everything the program needs, validated. */
export interface InfraConfig {
  readonly stack: string;
  /** The fixture; its namespace and id default to the stack name. */
  readonly fixture: FixtureSpec;
  readonly grpc: GrpcMessageLimit;
  readonly versions: { readonly envoyGateway: string; readonly aiGateway: string };
  readonly charts: { readonly envoyGateway: ChartRef; readonly aiGatewayCrds: ChartRef; readonly aiGateway: ChartRef };
  readonly helmTimeoutSeconds: number;
  readonly clusterType: ClusterType;
  readonly kind?: KindSettings;
  readonly kubeconfig?: KubeconfigSettings;
  readonly eks?: EksSettings;
  readonly fixtureMode: FixtureMode;
  /** Envoy Gateway serves pprof where `bench --profiles` reaches it through the apiserver's pod proxy. */
  readonly profiles: boolean;
}

/** Every key this program reads, with what it accepts: the fixture's knobs, then the stack's own. */
export const CONFIG_KEYS = {
  ...(Object.fromEntries(FIXTURE_PROPS.map((prop) => [prop, FIXTURE_PROPERTIES[prop].description])) as Record<FixtureProp, string>),
  fixtureMode: 'bundle (one resource, server-side applied by our applier) | resources (one Pulumi resource per object); destroy before switching a live stack',
  grpcMaxMessageSize: 'the extension gRPC limit for both Envoy Gateway and AI Gateway (4Mi … 2Gi)',
  envoyGatewayVersion: `Envoy Gateway chart version, e.g. ${ENVOY_GATEWAY_VERSION}`,
  aiGatewayVersion: `AI Gateway chart version (CRDs and controller), e.g. ${AI_GATEWAY_VERSION}`,
  envoyGatewayChart: 'OCI reference of the Envoy Gateway chart',
  aiGatewayCrdsChart: 'OCI reference of the AI Gateway CRD chart',
  aiGatewayChart: 'OCI reference of the AI Gateway chart',
  chartSource: '"oci" or a directory holding gateway-helm-<v>, ai-gateway-crds-helm-<v>, ai-gateway-helm-<v>',
  helmTimeoutSeconds: 'seconds each Helm release may take (30 … 3600)',
  profiles: 'true: Envoy Gateway serves pprof where `bench --profiles` reaches it through the apiserver pod proxy (default false)',
  clusterType: 'kind | kubeconfig | eks',
  kubeconfig: 'kubeconfig file for clusterType kubeconfig (default: KUBECONFIG, then ~/.kube/config)',
  kubeContext: 'kubeconfig context for clusterType kubeconfig (default: the current context)',
  kindNodeImage: 'kind node image (kindest/node:<version>[@sha256:…])',
  kindGatewayPort: 'host port on 127.0.0.1 that reaches the Gateway on kind (0 = no mapping)',
  eksInstanceType: 'EC2 instance type of the EKS nodes',
  eksNodes: 'number of EKS nodes (1 … 100)',
  eksKubernetesVersion: 'EKS Kubernetes version, e.g. 1.35 (default: EKS default)',
} as const;
export type ConfigKey = keyof typeof CONFIG_KEYS;

/** One invalid setting: the full key, the value given and what is allowed. */
export interface ConfigProblem {
  readonly key: string;
  readonly value: unknown;
  readonly allowed: string;
}

/** Thrown before any resource exists; lists every problem at once (a RunError: Pulumi prints no stack trace). */
export class InfraConfigError extends pulumi.RunError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `invalid stack configuration, nothing was created:\n` +
        problems.map((p) => `  ${p.key}: got ${JSON.stringify(p.value)}; allowed: ${p.allowed}`).join('\n'),
    );
    this.name = 'InfraConfigError';
  }
}

const VERSION = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const OCI_REF = /^oci:\/\/[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+$/;
const IMAGE = /^[a-z0-9./_-]+(:[A-Za-z0-9._-]+)?(@sha256:[a-f0-9]{64})?$/;
const INSTANCE_TYPE = /^[a-z0-9]+\.[a-z0-9]+$/;
const EKS_VERSION = /^1\.\d+$/;
const key = (name: ConfigKey | string) => `${PROJECT}:${name}`;

/** Raw config values as Pulumi hands them to a program: strings (YAML numbers and booleans arrive as text). */
export type RawConfig = Readonly<Record<string, string | undefined>>;

export interface ParseContext {
  readonly stack: string;
  /** Where relative paths (chartSource, kubeconfig) are resolved. @default PROJECT_ROOT */
  readonly projectRoot?: string;
  /** For KUBECONFIG. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

class Problems {
  readonly list: ConfigProblem[] = [];
  add(name: string, value: unknown, allowed: string): void {
    this.list.push({ key: key(name), value, allowed });
  }
}

/** An integer from text; anything else is returned as given so the validator reports it verbatim. */
function integerOrText(raw: string | undefined): number | string | undefined {
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : raw;
}

function intSetting(problems: Problems, raw: RawConfig, name: ConfigKey, fallback: number, min: number, max: number): number {
  const value = integerOrText(raw[name]);
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || value < min || value > max) {
    problems.add(name, raw[name], `an integer from ${min} to ${max.toLocaleString('en-US')}`);
    return fallback;
  }
  return value;
}

function choiceSetting<T extends string>(problems: Problems, raw: RawConfig, name: ConfigKey, choices: readonly T[], fallback: T): T {
  const value = raw[name]?.trim();
  if (value === undefined) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as T;
  problems.add(name, raw[name], choices.join(' | '));
  return fallback;
}

function patternSetting(problems: Problems, raw: RawConfig, name: ConfigKey, pattern: RegExp, fallback: string, allowed: string): string {
  const value = raw[name]?.trim();
  if (value === undefined) return fallback;
  if (pattern.test(value)) return value;
  problems.add(name, raw[name], allowed);
  return fallback;
}

/** Reads `version:` from a chart directory's Chart.yaml; undefined when there is none. */
function chartVersion(dir: string): string | undefined {
  const file = path.join(dir, 'Chart.yaml');
  if (!fs.existsSync(file)) return undefined;
  const chart = YAML.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown } | null;
  return typeof chart?.version === 'string' ? chart.version : undefined;
}

function resolveCharts(problems: Problems, raw: RawConfig, projectRoot: string, versions: InfraConfig['versions']): InfraConfig['charts'] {
  const source = raw.chartSource?.trim() || DEFAULTS.chartSource;
  const refs = {
    envoyGateway: patternSetting(problems, raw, 'envoyGatewayChart', OCI_REF, DEFAULTS.envoyGatewayChart, 'an OCI chart reference such as oci://docker.io/envoyproxy/gateway-helm'),
    aiGatewayCrds: patternSetting(problems, raw, 'aiGatewayCrdsChart', OCI_REF, DEFAULTS.aiGatewayCrdsChart, 'an OCI chart reference such as oci://docker.io/envoyproxy/ai-gateway-crds-helm'),
    aiGateway: patternSetting(problems, raw, 'aiGatewayChart', OCI_REF, DEFAULTS.aiGatewayChart, 'an OCI chart reference such as oci://docker.io/envoyproxy/ai-gateway-helm'),
  };
  const wanted = { envoyGateway: versions.envoyGateway, aiGatewayCrds: versions.aiGateway, aiGateway: versions.aiGateway };
  if (source === 'oci') {
    return {
      envoyGateway: { source: 'oci', chart: refs.envoyGateway, version: wanted.envoyGateway },
      aiGatewayCrds: { source: 'oci', chart: refs.aiGatewayCrds, version: wanted.aiGatewayCrds },
      aiGateway: { source: 'oci', chart: refs.aiGateway, version: wanted.aiGateway },
    };
  }
  const dir = path.resolve(projectRoot, source);
  const local = (part: keyof typeof CHART_NAMES): ChartRef => {
    const chartDir = path.join(dir, `${CHART_NAMES[part]}-${wanted[part]}`);
    const found = chartVersion(chartDir);
    if (found === undefined) {
      problems.add('chartSource', raw.chartSource, `"oci", or a directory holding ${CHART_NAMES[part]}-${wanted[part]}/Chart.yaml (not found: ${chartDir})`);
    } else if (found !== wanted[part]) {
      problems.add('chartSource', raw.chartSource, `a ${CHART_NAMES[part]} chart of version ${wanted[part]} (${chartDir}/Chart.yaml says ${found})`);
    }
    return { source: 'local', chart: chartDir, version: wanted[part] };
  };
  return { envoyGateway: local('envoyGateway'), aiGatewayCrds: local('aiGatewayCrds'), aiGateway: local('aiGateway') };
}

/** The kind cluster name of a stack. kind names become container and context names: keep them short. */
export const kindClusterName = (stack: string): string => `aigw-scale-${stack}`;

/**
 * Validates raw config values and fills in defaults. Throws InfraConfigError listing every problem (key,
 * value, what is allowed); unknown `aigw-scale:` keys are problems too, so a typo never goes unnoticed.
 */
export function parseInfraConfig(raw: RawConfig, context: ParseContext): InfraConfig {
  const problems = new Problems();
  const projectRoot = context.projectRoot ?? PROJECT_ROOT;
  const env = context.env ?? process.env;
  for (const name of Object.keys(raw)) {
    if (!(name in CONFIG_KEYS)) problems.add(name, raw[name], `a known key: ${Object.keys(CONFIG_KEYS).join(', ')}`);
  }

  const given = fixtureInputFromText((prop) => raw[prop]);
  if (given.providerHost !== undefined && given.mockProvider === true) problems.add('mockProvider', raw.mockProvider, 'false (or unset) when providerHost is set: the Backends point at providerHost');
  const clusterType = choiceSetting(problems, raw, 'clusterType', CLUSTER_TYPES, DEFAULTS.clusterType);
  // kind gives no load balancer: a NodePort Envoy Service is how Envoy Gateway finds the Gateway an address (Programmed)
  const envoyServiceType = clusterType === 'kind' ? DEFAULTS.kindEnvoyServiceType : undefined;
  let fixture: FixtureSpec | undefined;
  try {
    fixture = resolveFixtureSpec({ namespace: context.stack, fixtureId: context.stack, mockProvider: DEFAULTS.mockProvider && given.providerHost === undefined, envoyServiceType, ...given });
  } catch (error) {
    if (!(error instanceof FixtureValidationError)) throw error;
    for (const p of error.problems) {
      if (p.prop === 'fixtureId' && raw.fixtureId === undefined) problems.list.push({ key: 'stack name (the fixture id)', value: p.value, allowed: `${p.allowed} (rename the stack)` });
      else problems.add(p.prop, raw[p.prop] ?? p.value, p.allowed);
    }
  }

  let grpc: GrpcMessageLimit | undefined;
  try {
    grpc = parseGrpcMessageLimit(raw.grpcMaxMessageSize);
  } catch (error) {
    if (!(error instanceof HelmValuesError)) throw error;
    problems.add('grpcMaxMessageSize', raw.grpcMaxMessageSize, 'an integer number of bytes as a Kubernetes quantity, e.g. "25Mi", "64Mi" or "26214400", from 4Mi to 2Gi');
  }

  const versions = {
    envoyGateway: patternSetting(problems, raw, 'envoyGatewayVersion', VERSION, DEFAULTS.envoyGatewayVersion, `a chart version such as ${ENVOY_GATEWAY_VERSION} or v1.9.0`),
    aiGateway: patternSetting(problems, raw, 'aiGatewayVersion', VERSION, DEFAULTS.aiGatewayVersion, `a chart version such as ${AI_GATEWAY_VERSION}`),
  };
  const charts = resolveCharts(problems, raw, projectRoot, versions);
  const helmTimeoutSeconds = intSetting(problems, raw, 'helmTimeoutSeconds', DEFAULTS.helmTimeoutSeconds, 30, 3600);
  const fixtureMode = choiceSetting(problems, raw, 'fixtureMode', FIXTURE_MODES, DEFAULTS.fixtureMode);
  const profiles = choiceSetting(problems, raw, 'profiles', ['true', 'false'] as const, 'false') === 'true';

  const onlyFor = (names: ConfigKey[], type: ClusterType) => {
    for (const name of names) if (raw[name] !== undefined && clusterType !== type) problems.add(name, raw[name], `only with clusterType ${type} (clusterType is ${clusterType})`);
  };
  onlyFor(['kubeconfig', 'kubeContext'], 'kubeconfig');
  onlyFor(['kindNodeImage', 'kindGatewayPort'], 'kind');
  onlyFor(['eksInstanceType', 'eksNodes', 'eksKubernetesVersion'], 'eks');

  let kind: KindSettings | undefined;
  let kubeconfig: KubeconfigSettings | undefined;
  let eks: EksSettings | undefined;
  if (clusterType === 'kind') {
    const name = kindClusterName(context.stack);
    if (name.length > 50) problems.list.push({ key: 'stack name', value: context.stack, allowed: 'at most 39 characters with clusterType kind (the kind cluster is named aigw-scale-<stack>)' });
    kind = {
      name,
      nodeImage: patternSetting(problems, raw, 'kindNodeImage', IMAGE, DEFAULTS.kindNodeImage, 'an image reference such as kindest/node:<version>@sha256:…'),
      gatewayPort: intSetting(problems, raw, 'kindGatewayPort', DEFAULTS.kindGatewayPort, 0, 65535),
    };
    if (LOCAL_CONTROLLERS_HOST_PORTS.includes(kind.gatewayPort)) {
      problems.add('kindGatewayPort', raw.kindGatewayPort ?? null, `a port \`aigw-scale local up --controllers\` does not bind (not ${LOCAL_CONTROLLERS_HOST_PORTS.join(', ')})`);
    }
  } else if (clusterType === 'kubeconfig') {
    kubeconfig = resolveKubeconfigSettings(problems, raw, projectRoot, env);
  } else {
    const kubernetesVersion = raw.eksKubernetesVersion?.trim();
    if (kubernetesVersion !== undefined && !EKS_VERSION.test(kubernetesVersion)) problems.add('eksKubernetesVersion', raw.eksKubernetesVersion, 'a Kubernetes minor version such as 1.35');
    eks = {
      instanceType: patternSetting(problems, raw, 'eksInstanceType', INSTANCE_TYPE, DEFAULTS.eksInstanceType, 'an EC2 instance type such as m6i.xlarge'),
      nodes: intSetting(problems, raw, 'eksNodes', DEFAULTS.eksNodes, 1, 100),
      kubernetesVersion,
    };
  }

  if (problems.list.length > 0 || !fixture || !grpc) throw new InfraConfigError(problems.list);
  return { stack: context.stack, fixture, grpc, versions, charts, helmTimeoutSeconds, clusterType, kind, kubeconfig, eks, fixtureMode, profiles };
}

function resolveKubeconfigSettings(problems: Problems, raw: RawConfig, projectRoot: string, env: NodeJS.ProcessEnv): KubeconfigSettings | undefined {
  const given = raw.kubeconfig?.trim();
  const context = raw.kubeContext?.trim() || undefined;
  let file: string;
  try {
    file = path.resolve(projectRoot, resolveKubeconfigPath(given ? path.resolve(projectRoot, given) : undefined, env));
  } catch (error) {
    problems.add('kubeconfig', raw.kubeconfig ?? null, `an existing kubeconfig file (${(error as Error).message})`);
    return undefined;
  }
  try {
    const resolved = loadKubeconfig(file, context);
    return { path: file, context, effectiveContext: resolved.contextName, server: resolved.server };
  } catch (error) {
    if (!(error instanceof KubeconfigError)) throw error;
    problems.add(context ? 'kubeContext' : 'kubeconfig', context ?? raw.kubeconfig ?? file, `a context defined in the kubeconfig (${error.message})`);
    return undefined;
  }
}

/** Reads every `aigw-scale:*` key from the Pulumi runtime and validates it; the stack name is the fixture id. */
export function loadInfraConfig(): InfraConfig {
  const prefix = `${PROJECT}:`;
  const raw: Record<string, string> = {};
  for (const [name, value] of Object.entries(pulumi.runtime.allConfig())) {
    // The CLI hands values over as text (YAML numbers and booleans included); be lenient about anything else.
    if (name.startsWith(prefix)) raw[name.slice(prefix.length)] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return parseInfraConfig(raw, { stack: pulumi.getStack() });
}
