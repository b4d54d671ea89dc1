/**
 * The real controllers on the local control plane (`aigw-scale local up --controllers`): Envoy Gateway and the
 * AI Gateway controller as processes on this machine, wired to each other the way the two Helm charts wire them
 * in a cluster, with the gRPC message limit from the one knob in charts/helm-values.ts.
 *
 * What a cluster would provide and a process does not get by itself:
 * - CRDs: Gateway API (experimental channel) and Envoy Gateway's from the gateway-helm chart of the pinned
 *   version, AI Gateway's from the CRD directory; namespaces envoy-gateway-system and envoy-ai-gateway-system.
 * - Envoy Gateway's control-plane certificates: its chart runs `envoy-gateway certgen` as a hook Job, which
 *   writes the Secrets envoy-gateway, envoy, envoy-rate-limit and envoy-oidc-hmac. Here the same command runs as
 *   a process. The server then reads the envoy-oidc-hmac Secret through the API and its own TLS files from the
 *   fixed path /certs, so it runs in a private mount namespace (`unshare --mount`) with the envoy-gateway
 *   Secret's files bind-mounted on /certs: the host's /certs is never written (only created, empty, as the
 *   mount point when it is missing).
 * - The AI Gateway webhook (sidecar injection into the Envoy pods): a self-signed serving certificate for
 *   127.0.0.1 and a MutatingWebhookConfiguration that points at it by URL; the controller refuses to start
 *   without that object (it patches its caBundle).
 * - The extension server: the AI Gateway controller listens on 127.0.0.1:<free port>, and Envoy Gateway's
 *   `extensionManager.service` points there by IP, without TLS (as in the chart).
 * - A network of its own for Envoy Gateway: both controllers bind fixed ports on all addresses that no flag
 *   moves (both :8080 for controller-runtime metrics and :18002 — Envoy Gateway's Wasm server, the AI Gateway
 *   controller's rate-limit xDS — plus Envoy Gateway's :8081, :18000, :18001, :19001), which a cluster keeps
 *   apart in two pods. So Envoy Gateway runs in its own network namespace too (`unshare --net`), and a small
 *   Node bridge joins it to this host's loopback through Unix sockets: in its namespace 127.0.0.1:<apiserver
 *   port> and 127.0.0.1:<extension port> lead to the real ones (so it uses the same kubeconfig and address),
 *   its health port 8081 is reachable from here through a socket, its admin port (pprof on) is forwarded to
 *   the same port number on this host's loopback, and its xDS port 18000 to a free port here (ControllersInfo.xdsServer).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { GrpcMessageLimit, LOCAL_MIN_GRPC_MESSAGE_BYTES, envoyGatewayValues, parseGrpcMessageLimit } from '../../charts/helm-values';
import { AI_GATEWAY_NAMESPACE, ENVOY_GATEWAY_CHART, ENVOY_GATEWAY_NAMESPACE } from '../install/facts';
import { Cluster, messageOf } from '../kube/cluster';
import { installCrds } from '../kube/crds';
import { CustomResourceDefinition, readCrdDir } from '../upstream/crds';
import { PROJECT_ROOT, resolveChartsDir, resolveCrdDir } from '../upstream/dirs';
import { BinaryPaths, ControllerComponent, CONTROLLER_COMPONENTS, requireBinaries } from './binaries';
import { FORWARDER_JS, httpOk, tcpOpen } from './netns-bridge';
import { freePort } from './ports';
import { writeSecretFiles } from '../kube/secret-files';

/** The AI Gateway controller refuses to start unless this MutatingWebhookConfiguration exists (name + "." + its namespace). */
export const AI_GATEWAY_WEBHOOK_CONFIG = `envoy-ai-gateway-gateway-pod-mutator.${AI_GATEWAY_NAMESPACE}`;
/** Where Envoy Gateway (out of cluster, Kubernetes provider) reads its control-plane TLS files; not configurable. */
export const ENVOY_GATEWAY_CERTS_PATH = '/certs';
/** Envoy Gateway's health probe port (fixed at ENVOY_GATEWAY_VERSION, bound on all addresses). */
export const ENVOY_GATEWAY_HEALTH_PORT = 8081;
/** Envoy Gateway's xDS server port (fixed at ENVOY_GATEWAY_VERSION, bound on all addresses), where every Envoy connects. */
export const ENVOY_GATEWAY_XDS_PORT = 18000;

/** The host side of Envoy Gateway's network bridge, a process recorded like the others. */
export const BRIDGE = 'envoy-gateway-bridge';
/** The recording proxy in front of the extension server (extension-recorder.ts), a process recorded like the others. */
export const EXTENSION_RECORDER = 'extension-recorder';
/** Processes `local up --controllers` starts besides the binaries. */
export type HelperProcess = typeof BRIDGE | typeof EXTENSION_RECORDER;

/** Ports and files of the controllers, saved in the state file. */
export interface ControllersInfo {
  readonly grpcMaxMessageSize: GrpcMessageLimit;
  /** host:port of the AI Gateway extension server that Envoy Gateway calls. */
  readonly extensionServer: string;
  /** The recording proxy's log: one JSON line per extension call (ExtensionCall). */
  readonly extensionCalls?: string;
  readonly webhookPort: number;
  readonly envoyGatewayAdminPort: number;
  /** host:port on this host's loopback that leads to Envoy Gateway's xDS server (mTLS, as Envoy connects). */
  readonly xdsServer?: string;
  readonly envoyGatewayConfig: string;
  readonly envoyGatewayNamespace: string;
  readonly aiGatewayNamespace: string;
  /** Where the AI Gateway controller writes the filter-config Secrets (the Envoy pods' namespace). */
  readonly filterConfigNamespace: string;
  readonly crdsInstalled: number;
}

export interface StartOptions {
  /** The executable to spawn when it is not the binary itself (e.g. `unshare`); the binary must be exec'd in the same process. */
  readonly command?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** What `local up` lends the controllers: its process starter and readiness wait. */
export interface ControllerContext {
  readonly kubeconfig: string;
  /** Scratch directory of this cluster (removed by `local down`). */
  readonly dataDir: string;
  /** The apiserver URL (https://127.0.0.1:PORT). */
  readonly server: string;
  readonly log: (line: string) => void;
  readonly start: (name: ControllerComponent | HelperProcess, binary: string, args: string[], options?: StartOptions) => Promise<void>;
  readonly waitFor: (what: string, check: () => Promise<boolean>, timeoutMs: number) => Promise<void>;
}

export interface ControllersOptions {
  /** The one gRPC knob (both sides). @default "25Mi" */
  readonly grpcMaxMessageSize?: string;
}

/** The controller binaries, or an error naming the command that builds them. */
export function requireControllerBinaries(): BinaryPaths {
  return requireBinaries(CONTROLLER_COMPONENTS);
}

/** The CRDs the controllers need: Gateway API + Envoy Gateway from the pinned gateway-helm chart, AI Gateway from the CRD dir. */
export function controllerCrds(env: NodeJS.ProcessEnv = process.env): CustomResourceDefinition[] {
  const chartCrds = path.join(resolveChartsDir(env), ENVOY_GATEWAY_CHART, 'charts', 'crds', 'crds');
  if (!fs.existsSync(chartCrds)) throw new Error(`no Envoy Gateway CRDs at ${chartCrds} (the ${ENVOY_GATEWAY_CHART} chart's charts/crds/crds)`);
  const aiGateway = path.join(resolveCrdDir(env), 'ai-gateway');
  const crds = [...readCrdDir(chartCrds), ...readCrdDir(aiGateway)];
  const names = new Set(crds.map((crd) => crd.metadata.name));
  if (names.size !== crds.length) throw new Error(`duplicate CRD names in ${chartCrds} and ${aiGateway}`);
  if (![...names].some((n) => n.endsWith('.aigateway.envoyproxy.io'))) throw new Error(`no AI Gateway CRDs in ${aiGateway}`);
  return crds;
}

/** Installs what the controllers need, then starts the AI Gateway controller and Envoy Gateway. */
export async function startControllers(ctx: ControllerContext, options: ControllersOptions = {}): Promise<ControllersInfo> {
  const grpc = parseGrpcMessageLimit(options.grpcMaxMessageSize, LOCAL_MIN_GRPC_MESSAGE_BYTES);
  const binaries = requireControllerBinaries();
  const cluster = await Cluster.connect({ kubeconfig: ctx.kubeconfig });
  const dir = path.join(ctx.dataDir, 'controllers');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });

  const crds = controllerCrds();
  const installed = await installCrds(cluster, crds);
  if (installed.failed.length > 0) throw new Error(`installing CRDs failed: ${installed.failed.map((f) => `${f.object}: ${f.message}`).join('; ')}`);
  ctx.log(`installed ${installed.installed} CRDs (Gateway API + Envoy Gateway from ${ENVOY_GATEWAY_CHART}, AI Gateway) in ${installed.seconds.toFixed(1)} s`);
  for (const name of [ENVOY_GATEWAY_NAMESPACE, AI_GATEWAY_NAMESPACE]) await ensure(cluster, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

  // Envoy Gateway's certificates, as its chart's certgen hook makes them (Secrets in its namespace).
  const kubeEnv = { ...process.env, KUBECONFIG: ctx.kubeconfig, ENVOY_GATEWAY_NAMESPACE };
  const certgen = spawnSync(binaries['envoy-gateway']!, ['certgen', '--disable-topology-injector'], { env: kubeEnv, encoding: 'utf8', timeout: 60_000 });
  if (certgen.status !== 0) throw new Error(`envoy-gateway certgen failed (exit ${certgen.status ?? certgen.signal}):\n${certgen.stdout}${certgen.stderr}`);
  const egCerts = path.join(dir, 'envoy-gateway-certs');
  await writeSecretFiles(cluster, ENVOY_GATEWAY_NAMESPACE, 'envoy-gateway', egCerts, ['ca.crt', 'tls.crt', 'tls.key']);

  // AI Gateway controller: webhook certificate for 127.0.0.1 and the webhook configuration it insists on.
  const [extensionPort, webhookPort, adminPort, xdsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const aigwCerts = path.join(dir, 'ai-gateway-certs');
  selfSignedCertificate(aigwCerts, '127.0.0.1');
  await applyWebhookConfiguration(cluster, webhookPort, fs.readFileSync(path.join(aigwCerts, 'ca.crt')));
  const extensionServer = `127.0.0.1:${extensionPort}`;
  await ctx.start(
    'ai-gateway-controller',
    binaries['ai-gateway-controller']!,
    [
      `--port=${extensionServer}`,
      `--maxRecvMsgSize=${grpc.bytes}`,
      `--envoyGatewayNamespace=${ENVOY_GATEWAY_NAMESPACE}`,
      `--webhookPort=${webhookPort}`,
      `--tlsCertDir=${aigwCerts}`,
      '--enableLeaderElection=false',
      '--logLevel=info',
    ],
    // POD_NAMESPACE names the webhook configuration; DISABLE_PPROF keeps 127.0.0.1:6060 free.
    { env: { ...kubeEnv, POD_NAMESPACE: AI_GATEWAY_NAMESPACE, DISABLE_PPROF: '1' } },
  );
  await ctx.waitFor(`the AI Gateway extension server on ${extensionServer}`, () => tcpOpen('127.0.0.1', extensionPort), 60_000);
  ctx.log(`AI Gateway controller: extension server ${extensionServer}, webhook https://127.0.0.1:${webhookPort}/mutate, maxRecvMsgSize ${grpc.bytes}`);

  // Envoy Gateway reaches the extension server through the recording proxy (it still dials the server's address:
  // inside its namespace the bridge leads there).
  const recorderPort = await freePort();
  const extensionCalls = path.join(dir, 'extension-calls.jsonl');
  const recorderReady = path.join(dir, 'extension-recorder.ready');
  await ctx.start(EXTENSION_RECORDER, process.execPath, [
    '-r',
    require.resolve('tsx/cjs'),
    path.join(PROJECT_ROOT, 'src', 'local', 'extension-recorder.ts'),
    ...['--listen', `127.0.0.1:${recorderPort}`, '--upstream', extensionServer, '--out', extensionCalls, '--ready', recorderReady],
  ]);
  await ctx.waitFor('the extension recorder', async () => fs.existsSync(recorderReady), 30_000);

  // Envoy Gateway with the chart's config block, pointed at the local extension server.
  const envoyGatewayConfig = path.join(dir, 'envoy-gateway.yaml');
  fs.writeFileSync(envoyGatewayConfig, YAML.stringify(envoyGatewayConfigFor(grpc, extensionServer, adminPort)));
  if (!fs.existsSync(ENVOY_GATEWAY_CERTS_PATH)) fs.mkdirSync(ENVOY_GATEWAY_CERTS_PATH, { mode: 0o755 }); // an empty mount point

  // The bridge between this host's loopback and Envoy Gateway's network namespace (see the top of this file).
  const bridge = path.join(dir, 'bridge');
  fs.mkdirSync(bridge, { recursive: true, mode: 0o700 });
  const apiPort = Number(new URL(ctx.server).port);
  const sock = (name: string) => path.join(bridge, `${name}.sock`);
  const hostReady = path.join(bridge, 'host.ready');
  // Host side: the apiserver and the extension server for Envoy Gateway; its admin port (pprof) for us, on the
  // same port number here as in its namespace.
  await ctx.start(BRIDGE, process.execPath, [
    '-e',
    FORWARDER_JS,
    `unix:${sock('apiserver')}=>tcp:127.0.0.1:${apiPort}`,
    `unix:${sock('extension')}=>tcp:127.0.0.1:${recorderPort}`,
    `tcp:127.0.0.1:${adminPort}=>unix:${sock('admin')}`,
    `tcp:127.0.0.1:${xdsPort}=>unix:${sock('xds')}`,
    '--ready',
    hostReady,
  ]);
  await ctx.waitFor('the Envoy Gateway bridge', async () => fs.existsSync(hostReady), 10_000);
  const nsReady = path.join(bridge, 'netns.ready');
  await ctx.start(
    'envoy-gateway',
    binaries['envoy-gateway']!,
    // Own network and mount namespaces: loopback up, the bridge's inner side, the certificates on /certs
    // (private to this namespace), then exec the server (same pid, so the bridge exits with it).
    [
      '--net',
      '--mount',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      [
        'set -e',
        'ip link set lo up',
        'mount --bind "$0" "$1"',
        '"$4" -e "$5" "tcp:127.0.0.1:$6=>unix:$7" "tcp:${8}=>unix:$9" "unix:${10}=>tcp:127.0.0.1:${11}" "unix:${13}=>tcp:127.0.0.1:${14}" "unix:${15}=>tcp:127.0.0.1:${16}" --ready "${12}" --exit-with-parent &',
        'i=0; while [ ! -e "${12}" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
        'exec "$2" server --config-path "$3"',
      ].join('\n'),
      egCerts,
      ENVOY_GATEWAY_CERTS_PATH,
      binaries['envoy-gateway']!,
      envoyGatewayConfig,
      process.execPath,
      FORWARDER_JS,
      String(apiPort),
      sock('apiserver'),
      extensionServer,
      sock('extension'),
      sock('health'),
      String(ENVOY_GATEWAY_HEALTH_PORT),
      nsReady,
      sock('admin'),
      String(adminPort),
      sock('xds'),
      String(ENVOY_GATEWAY_XDS_PORT),
    ],
    { command: 'unshare', env: kubeEnv },
  );
  await ctx.waitFor(`Envoy Gateway readiness (:${ENVOY_GATEWAY_HEALTH_PORT} in its namespace)`, () => httpOk({ socketPath: sock('health'), path: '/readyz' }), 90_000);
  ctx.log(`Envoy Gateway ready (config ${envoyGatewayConfig}, extensionManager.maxMessageSize ${grpc.quantity})`);

  return {
    grpcMaxMessageSize: grpc,
    extensionServer,
    extensionCalls,
    webhookPort,
    envoyGatewayAdminPort: adminPort,
    xdsServer: `127.0.0.1:${xdsPort}`,
    envoyGatewayConfig,
    envoyGatewayNamespace: ENVOY_GATEWAY_NAMESPACE,
    aiGatewayNamespace: AI_GATEWAY_NAMESPACE,
    filterConfigNamespace: ENVOY_GATEWAY_NAMESPACE,
    crdsInstalled: installed.installed,
  };
}

/**
 * The EnvoyGateway config file: the `config.envoyGateway` block of the chart values from the one knob, with the
 * extension service at the local extension server (by IP, no TLS, like the chart's in-cluster Service), leader
 * election and the topology-injector webhook off (one replica, no webhook certificate), and the admin server on a
 * free loopback port.
 */
export function envoyGatewayConfigFor(grpc: GrpcMessageLimit, extensionServer: string, adminPort: number): Record<string, unknown> {
  // pprof on the admin server, so `bench` can take heap and CPU profiles of this process (issue: profiles).
  const values = envoyGatewayValues(grpc, { host: '127.0.0.1', port: adminPort }) as { config: { envoyGateway: Record<string, any> } };
  const eg = structuredClone(values.config.envoyGateway);
  const [address, port] = extensionServer.split(':');
  eg.extensionManager = { ...eg.extensionManager, service: { ip: { address, port: Number(port) } } };
  eg.provider = {
    ...eg.provider,
    kubernetes: { leaderElection: { disable: true }, proxyTopologyInjector: { disabled: true } },
  };
  return { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyGateway', ...eg };
}

async function ensure(cluster: Cluster, collection: string, object: { metadata: { name: string }; [key: string]: unknown }): Promise<void> {
  const response = await cluster.requestRetrying('POST', collection, object);
  if (response.status !== 201 && response.status !== 409) throw new Error(`creating ${collection}/${object.metadata.name} failed with HTTP ${response.status}: ${messageOf(response.body)}`);
}

/** A CA and a serving certificate for `ip` (tls.crt, tls.key, ca.crt), with openssl. */
export function selfSignedCertificate(dir: string, ip: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const run = (args: string[]) => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (result.error) throw new Error(`openssl is needed for the AI Gateway webhook certificate: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30', '-subj', '/CN=aigw-scale-local-webhook-ca']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', `/CN=${ip}`]);
  fs.writeFileSync(path.join(dir, 'san.ext'), `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
  run(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '30', '-extfile', 'san.ext']);
}

/** The chart's MutatingWebhookConfiguration, with a URL on 127.0.0.1 instead of the in-cluster Service. */
async function applyWebhookConfiguration(cluster: Cluster, port: number, caBundle: Buffer): Promise<void> {
  const object = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: AI_GATEWAY_WEBHOOK_CONFIG },
    webhooks: [
      {
        name: `ai-gateway-controller.${AI_GATEWAY_NAMESPACE}.svc.cluster.local`,
        clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: caBundle.toString('base64') },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
        objectSelector: { matchLabels: { 'app.kubernetes.io/managed-by': 'envoy-gateway' } },
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 10,
        failurePolicy: 'Fail',
      },
    ],
  };
  const response = await cluster.requestRetrying(
    'PATCH',
    `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${AI_GATEWAY_WEBHOOK_CONFIG}?fieldManager=aigw-scale&force=true`,
    object,
    'application/apply-patch+yaml',
  );
  if (response.status !== 200 && response.status !== 201) throw new Error(`applying ${AI_GATEWAY_WEBHOOK_CONFIG} failed with HTTP ${response.status}: ${messageOf(response.body)}`);
}
