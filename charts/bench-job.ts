import { createHash } from 'node:crypto';
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { FixtureSpec, FixtureSpecInput, FixtureValidationError, fixtureInputOf, resolveFixtureSpec } from './fixture-spec';
import { BenchRbac, MILESTONE_KINDS } from '../constructs/bench-rbac';
import { BundledCode } from '../constructs/bundled-code';
import { constructManifests } from '../constructs/construct-manifests';
import { fixtureLabels } from '../constructs/conventions';
import { Manifest } from '../constructs/manifest';
import { IMAGE_PULL_POLICY, RESTRICTED_CONTAINER, RESTRICTED_POD, restrictPodTemplate } from '../constructs/restricted-pod';
import { ENVOY_GATEWAY_NAMESPACE } from '../src/install/facts';

/**
 * The benchmark runner as a Kubernetes Job, so that probes reach the gateway over the cluster network instead of
 * a port-forward. The pod runs the stock Node image with the bundled CLI (`bundleCli()`, dist/aigw-scale.js)
 * mounted from a ConfigMap, exactly like the mock provider, under a ServiceAccount that may do only what
 * `aigw-scale bench` does.
 *
 * Objects (apply order): the fixture Namespace, the ServiceAccount, a Role + RoleBinding in that namespace (the
 * fixture's kinds), a ClusterRole + ClusterRoleBinding (cluster-scoped reads, the run's GatewayClass), with
 * `--profiles` a Role + RoleBinding in Envoy Gateway's namespace (its pod proxy and config), with `--find-ceiling` one in
 * each controller's namespace (their logs), the code ConfigMap and the Job. The run itself creates and deletes its fixture (its own ApplySet, fixture id
 * `fixtureId`) inside the namespace; these objects carry the id `<fixtureId>-runner`, so `aigw-scale apply DIR`
 * and the run never share an ApplySet, and the run never deletes its own Job.
 *
 * The pod: an init container `bench` runs `node aigw-scale.js bench … --out /results` (watch it with
 * `kubectl logs -f job/<name> -c bench`); then the container `results` prints results.json to stdout and exits
 * with the benchmark's exit code, so `kubectl logs job/<name> > results.json` retrieves exactly the JSON.
 */

/**
 * The run's fixture knobs (FIXTURE_PROPERTIES, resolved with their defaults; `createNamespace` is about this
 * construct's Namespace, the run never creates it), and the Job's own settings.
 */
export interface BenchJobProps extends FixtureSpecInput {
  /** The bundled CLI (`bundleCli()` / dist/aigw-scale.js), passed in so synthesis stays pure. */
  readonly code: string;
  /**
   * Where the Gateway answers inside the cluster (`bench --gateway-url`). @default the Envoy Service Envoy
   * Gateway creates for the Gateway with its default naming, `envoyServiceUrl(namespace, gatewayName)`; set it
   * for merged gateways, the GatewayNamespace deploy mode or a customized EnvoyProxy.
   */
  readonly gatewayUrl?: string;
  /**
   * Sample CPU/memory through the kubelet summary API (grants `nodes/proxy` get, which reaches every kubelet's
   * read API). Set false where metrics-server serves the metrics API, which is then the only source. @default true
   */
  readonly kubeletSummary?: boolean;
  /**
   * More `bench` flags, e.g. ["--batch-size", "100", "--per-route-timeout", "300000"]. `--milestone KIND:…` grants list
   * and watch on KIND (one of MILESTONE_KINDS); `--profiles` grants `pods/proxy` get and reading Envoy Gateway's config
   * in envoyGatewayNamespace; `--find-ceiling` grants the evidence it reads (BenchRbacProps.ceilingEvidence); `--repeat k`
   * grants each repeat's GatewayClass. @default none
   */
  readonly benchArgs?: readonly string[];
  /** Name of the Job, its ServiceAccount, Role and ConfigMap (`<name>-code`). @default "aigw-scale-bench" */
  readonly name?: string;
  /** Container image; needs `node` ≥ 20. @default "node:20-alpine" */
  readonly image?: string;
  /** Requests and limits of the runner (and the unpack step), set explicitly. @default requests 500m / 256Mi, limits 2 CPU / 1 GiB */
  readonly resources?: kplus.ContainerResources;
  /** Seconds the finished Job (and so its logs) is kept. @default 86400 (a day) */
  readonly ttlSecondsAfterFinished?: number;
  /** Hard limit on the Job's run time in seconds. @default none */
  readonly activeDeadlineSeconds?: number;
  /** Namespace of Envoy Gateway (where it puts the Envoy Services). @default ENVOY_GATEWAY_NAMESPACE */
  readonly envoyGatewayNamespace?: string;
  /** Controller Deployments preflight reads (their image tags are the recorded versions). @default CONTROLLER_DEPLOYMENTS */
  readonly controllerDeployments?: readonly string[];
  /** CRDs preflight checks. @default REQUIRED_CRDS */
  readonly requiredCrds?: readonly string[];
  /** Bundles above this size (bytes) are gzipped into the ConfigMap's binaryData. @default 768 KiB */
  readonly gzipThresholdBytes?: number;
}

export const DEFAULT_BENCH_JOB_NAME = 'aigw-scale-bench';
export const DEFAULT_BENCH_JOB_IMAGE = 'node:20-alpine';
export const DEFAULT_BENCH_JOB_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.units(2) },
  memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
};
/** The `results` container only reads and prints results.json. */
const RESULTS_CONTAINER_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(500) },
  memory: { request: Size.mebibytes(32), limit: Size.mebibytes(256) },
};
export const DEFAULT_BENCH_JOB_TTL_SECONDS = 86_400;
/** The CLI bundle's file (and ConfigMap key) in the pod. */
export const BENCH_JOB_CODE_FILE = 'aigw-scale.js';
/** Pod annotation with the bundle's sha256. */
export const BENCH_JOB_CHECKSUM_ANNOTATION = 'aigw-scale/cli-sha256';
export const BENCH_JOB_COMPONENT = 'bench-runner';
export const RESULTS_DIR = '/results';

const APP_COMPONENT_LABEL = 'app.kubernetes.io/component';
const DNS1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The fixture id the BenchJob's own objects carry: the run's id plus "-runner". */
export const benchJobFixtureId = (fixtureId: string): string => `${fixtureId}-runner`;

/**
 * The Envoy Service Envoy Gateway (default deploy mode, no merged gateways) creates for a Gateway:
 * `envoy-<namespace>-<gateway>-<first 8 hex digits of sha256("<namespace>/<gateway>")>`, the readable part cut
 * to 48 characters.
 */
export function envoyServiceName(namespace: string, gatewayName: string): string {
  const key = `${namespace}/${gatewayName}`;
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 8);
  let readable = `${namespace}-${gatewayName}`;
  if (readable.length > 48) readable = readable.slice(0, 48).replace(/-$/, '');
  return `envoy-${readable}-${digest}`;
}

/** In-cluster URL of that Service (the listener port; the fixture's is 80). */
export function envoyServiceUrl(namespace: string, gatewayName: string, envoyGatewayNamespace = ENVOY_GATEWAY_NAMESPACE, port = 80): string {
  return `http://${envoyServiceName(namespace, gatewayName)}.${envoyGatewayNamespace}.svc.cluster.local:${port}`;
}

/**
 * What the run's own flags make it do beyond the fixture: watch milestone kinds, profile through the pod proxy, read
 * the ceiling's evidence, repeat on fresh fixtures (each with its own GatewayClass).
 */
function benchArgNeeds(benchArgs: readonly string[]): { milestoneKinds: string[]; profiles: boolean; ceiling: boolean; repeat: number } {
  const values = (flag: string) => benchArgs.flatMap((arg, i) => (arg === flag ? [benchArgs[i + 1] ?? ''] : arg.startsWith(`${flag}=`) ? [arg.slice(flag.length + 1)] : []));
  const specs = values('--milestone');
  const repeat = Number(values('--repeat').at(-1) ?? 1);
  return { milestoneKinds: [...new Set(specs.map((spec) => spec.trim().split(':')[0]))], profiles: benchArgs.includes('--profiles'), ceiling: benchArgs.includes('--find-ceiling'), repeat };
}

interface Resolved {
  name: string;
  /** The run's fixture, resolved. */
  fixture: FixtureSpec;
  kubeletSummary: boolean;
  /** Kinds the run's `--milestone` flags watch. */
  milestoneKinds: string[];
  /** The run's `--profiles`: Envoy Gateway's pprof through the pod proxy. */
  profiles: boolean;
  /** The run's `--find-ceiling`: evidence read when a ramp step fails. */
  ceiling: boolean;
  /** The run's `--repeat`: runs on fresh fixtures. */
  repeat: number;
}

function resolve(props: BenchJobProps): Resolved {
  const problems: string[] = [];
  let fixture: FixtureSpec | undefined;
  try {
    fixture = resolveFixtureSpec(fixtureInputOf(props));
  } catch (error) {
    if (!(error instanceof FixtureValidationError)) throw error;
    problems.push(...error.problems.map((p) => `${p.prop} ${typeof p.value === 'string' ? JSON.stringify(p.value) : p.value}: ${p.allowed}`));
  }
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  const name = props.name ?? DEFAULT_BENCH_JOB_NAME;
  // The run's own rules beyond the fixture's: a warm-up route, and room for the "-runner" id.
  if (typeof props.routes === 'number' && props.routes < 2) problems.push(`routes ${props.routes}: at least 2 (route 1 warms up)`);
  if (typeof props.fixtureId === 'string' && props.fixtureId.length > 56) problems.push(`fixtureId ${JSON.stringify(props.fixtureId)}: at most 56 characters (its "-runner" id must be a label value)`);
  if (typeof props.code !== 'string' || props.code.length === 0) problems.push('code: the bundled CLI (bundleCli()) is required');
  if (!DNS1035_LABEL.test(name) || name.length > 52) problems.push(`name ${JSON.stringify(name)}: a DNS-1035 label of at most 52 characters`);
  if (props.gatewayUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(props.gatewayUrl)) problems.push(`gatewayUrl ${JSON.stringify(props.gatewayUrl)}: an http:// or https:// URL`);
  const ttl = props.ttlSecondsAfterFinished ?? DEFAULT_BENCH_JOB_TTL_SECONDS;
  if (!isInt(ttl) || ttl < 0) problems.push(`ttlSecondsAfterFinished ${ttl}: a non-negative integer`);
  if (props.activeDeadlineSeconds !== undefined && (!isInt(props.activeDeadlineSeconds) || props.activeDeadlineSeconds < 1)) problems.push(`activeDeadlineSeconds ${props.activeDeadlineSeconds}: a positive integer`);
  const needs = benchArgNeeds(props.benchArgs ?? []);
  for (const kind of needs.milestoneKinds.filter((k) => !(k in MILESTONE_KINDS))) problems.push(`benchArgs --milestone ${kind}: the BenchJob grants watches on ${Object.keys(MILESTONE_KINDS).join(', ')} only`);
  if (!isInt(needs.repeat) || needs.repeat < 1) problems.push(`benchArgs --repeat ${needs.repeat}: a positive integer`);
  if (problems.length > 0 || !fixture) throw new Error(`Invalid BenchJob props:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { name, fixture, kubeletSummary: props.kubeletSummary ?? true, ...needs };
}

/**
 * The `bench` command line the Job runs (after `node <bundle>`): the resolved fixture as JSON, the run never
 * creating the namespace (it holds this Job and its Role, and belongs to the BenchJob).
 */
function benchCommandLine(props: BenchJobProps, { fixture }: Resolved): string[] {
  const gatewayUrl = props.gatewayUrl ?? envoyServiceUrl(fixture.namespace, fixture.gatewayName, props.envoyGatewayNamespace, fixture.listenerPort);
  return [
    'bench',
    '--yes', // the in-cluster server is not loopback; this Job targets its own cluster by construction
    '--gateway-url', gatewayUrl,
    '--fixture-json', JSON.stringify({ ...fixture, createNamespace: false }),
    '--out', RESULTS_DIR,
    ...(props.benchArgs ?? []),
  ];
}

/**
 * Runs `node <bundle> bench …` (argv after `-e`), forwards SIGTERM as SIGINT (bench then writes what it measured
 * and cleans up), records the exit code for the results container and always exits 0 itself, so the pod goes on
 * to print the results even after a failed run.
 */
const RUN_SCRIPT = [
  "const fs = require('fs');",
  `const record = (code) => { fs.writeFileSync('${RESULTS_DIR}/exit-code', String(code)); process.exit(0); };`,
  "const child = require('child_process').spawn(process.execPath, process.argv.slice(1), { stdio: 'inherit' });",
  "for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill('SIGINT'));",
  "child.on('error', (error) => { console.error(error.message); record(1); });",
  "child.on('exit', (code, signal) => record(code === null ? (signal === 'SIGKILL' ? 137 : 143) : code));",
].join('\n');

/** Prints results.json (nothing else) on stdout and exits with the benchmark's exit code. */
const PRINT_SCRIPT = [
  "const fs = require('fs');",
  `let code = 1; try { code = Number(fs.readFileSync('${RESULTS_DIR}/exit-code', 'utf8')) || 0; } catch {}`,
  `try { process.stdout.write(fs.readFileSync('${RESULTS_DIR}/results.json')); }`,
  "catch { console.error('no results.json: the benchmark stopped before writing it; see the logs of container \"bench\"'); code = code || 1; }",
  'process.exitCode = code;',
].join('\n');

/** The BenchJob's objects without a construct tree (what `aigw-scale bench-job` writes): exactly what the construct synthesizes. */
export function benchJobManifests(props: BenchJobProps): Manifest[] {
  return constructManifests((scope) => new BenchJob(scope, 'BenchJob', props));
}

/**
 * The runner as an in-cluster Job with least-privilege RBAC (see the module comment). Objects in apply order: the
 * Namespace, the RBAC (BenchRbac), the code ConfigMap, the Job.
 */
export class BenchJob extends Construct {
  /** The fixture namespace, when this construct creates it. */
  readonly namespace?: kplus.Namespace;
  /** The ServiceAccount the Job runs as, and its Roles. */
  readonly rbac: BenchRbac;
  readonly serviceAccount: kplus.ServiceAccount;
  /** The bundled CLI and its ConfigMap. */
  readonly code: BundledCode;
  readonly job: kplus.Job;

  constructor(scope: Construct, id: string, props: BenchJobProps) {
    super(scope, id);
    const r = resolve(props);
    const { fixture } = r;
    const labels = { ...fixtureLabels(benchJobFixtureId(fixture.fixtureId)), [APP_COMPONENT_LABEL]: BENCH_JOB_COMPONENT };
    const metadata = { name: r.name, namespace: fixture.namespace, labels };
    const image = props.image ?? DEFAULT_BENCH_JOB_IMAGE;
    const resources = props.resources ?? DEFAULT_BENCH_JOB_RESOURCES;

    if (fixture.createNamespace) this.namespace = new kplus.Namespace(this, 'Namespace', { metadata: { name: fixture.namespace, labels } });
    this.rbac = new BenchRbac(this, 'Rbac', {
      metadata,
      fixtureId: fixture.fixtureId,
      mockProvider: fixture.mockProvider,
      apiKeyAuth: fixture.apiKeyAuth,
      clientTrafficPolicy: fixture.connectionBufferLimit !== undefined,
      envoyProxy: fixture.envoyServiceType !== undefined,
      kubeletSummary: r.kubeletSummary,
      milestoneKinds: r.milestoneKinds,
      profileNamespace: r.profiles ? props.envoyGatewayNamespace ?? ENVOY_GATEWAY_NAMESPACE : undefined,
      ceilingEvidence: r.ceiling,
      repeat: r.repeat,
      controllerDeployments: props.controllerDeployments,
      requiredCrds: props.requiredCrds,
    });
    this.serviceAccount = this.rbac.serviceAccount;
    this.code = new BundledCode(this, 'Code', { metadata: { ...metadata, name: `${r.name}-code` }, code: props.code, fileName: BENCH_JOB_CODE_FILE, gzipThresholdBytes: props.gzipThresholdBytes, what: 'BenchJob code' });

    this.job = new kplus.Job(this, 'Job', {
      metadata,
      podMetadata: {
        labels,
        annotations: {
          [BENCH_JOB_CHECKSUM_ANNOTATION]: this.code.sha256,
          'kubectl.kubernetes.io/default-container': 'results', // `kubectl logs job/<name>` prints results.json
        },
      },
      backoffLimit: 0, // a benchmark is not retried: a second attempt would measure a different cluster state
      ttlAfterFinished: Duration.seconds(props.ttlSecondsAfterFinished ?? DEFAULT_BENCH_JOB_TTL_SECONDS),
      activeDeadline: props.activeDeadlineSeconds !== undefined ? Duration.seconds(props.activeDeadlineSeconds) : undefined,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: true, // the runner talks to the apiserver as this ServiceAccount
      terminationGracePeriod: Duration.seconds(120), // SIGTERM → bench stops, writes results and cleans up
      securityContext: RESTRICTED_POD,
    });
    restrictPodTemplate(this.job);

    const results = kplus.Volume.fromEmptyDir(this, 'Results', 'results', { sizeLimit: Size.mebibytes(256) });
    this.code.addUnpackStep(this.job, { image, resources });
    const bench = this.job.addInitContainer({
      name: 'bench',
      image,
      imagePullPolicy: IMAGE_PULL_POLICY,
      command: ['node', '-e', RUN_SCRIPT],
      args: [this.code.path, ...benchCommandLine(props, r)],
      envVariables: { HOME: kplus.EnvValue.fromValue('/tmp') },
      resources,
      securityContext: RESTRICTED_CONTAINER,
    });
    this.code.mount(bench);
    bench.mount(RESULTS_DIR, results);
    bench.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', { sizeLimit: Size.mebibytes(64) }));
    this.job.addContainer({
      name: 'results',
      image,
      imagePullPolicy: IMAGE_PULL_POLICY,
      command: ['node', '-e', PRINT_SCRIPT],
      resources: RESULTS_CONTAINER_RESOURCES,
      securityContext: RESTRICTED_CONTAINER,
    }).mount(RESULTS_DIR, results, { readOnly: true });
  }
}
