import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { Cluster } from '../kube/cluster';
import { installCrds } from '../kube/crds';
import { readCrdDir } from '../upstream/crds';
import { CONTROLLERS } from '../install/facts';
import { PROJECT_ROOT } from '../upstream/dirs';
import { AnyComponent, Component, CONTROL_PLANE_COMPONENTS, LOCAL_CLUSTER_COMPONENTS, requireBinaries } from './binaries';
import { ControllersInfo, HelperProcess, StartOptions, requireControllerBinaries, startControllers } from './controllers';
import { LocalPki, createPki } from './pki';
import { freePort } from './ports';

/** Where `local up` keeps its state, kubeconfig and logs: `$AIGW_SCALE_LOCAL_DIR`, else `.aigw-scale/local`. */
export function localDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.AIGW_SCALE_LOCAL_DIR ?? path.join(PROJECT_ROOT, '.aigw-scale', 'local'));
}

export const CONTEXT_NAME = 'aigw-scale-local';
/** Nodes kwok manages carry this annotation; nothing else on the cluster is touched by it. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export interface ProcessRecord {
  readonly name: AnyComponent | HelperProcess;
  readonly pid: number;
  readonly binary: string;
  readonly log: string;
}

/** What `local up` started, saved so `status` and `down` act on exactly these processes. */
export interface LocalClusterState {
  readonly version: 1;
  readonly dataDir: string;
  readonly kubeconfig: string;
  readonly server: string;
  readonly controlPlaneOnly: boolean;
  readonly nodes: number;
  readonly startedAt: string;
  readonly processes: ProcessRecord[];
  /** Set when `up` ran the real controllers (`--controllers`). */
  controllers?: ControllersInfo;
  /** The apiserver's audit log (JSON lines), with `auditServiceAccounts`. */
  readonly auditLog?: string;
}

export interface UpOptions {
  /** Only etcd and kube-apiserver: no controllers, no scheduler, no kwok. @default false */
  readonly controlPlaneOnly?: boolean;
  /** Fake kwok nodes to create. @default 1 */
  readonly nodes?: number;
  /**
   * Also run the real controllers: Envoy Gateway and the AI Gateway controller as processes, with their CRDs,
   * namespaces and certificates (see controllers.ts). Needs `local build --with-controllers`. @default false
   */
  readonly controllers?: boolean;
  /** The gRPC message limit for the extension call, both sides (with `controllers`). @default "25Mi" */
  readonly grpcMaxMessageSize?: string;
  /**
   * Audit every request made as a ServiceAccount (Metadata level: who, verb, object, response code; no bodies, no
   * tokens) to logs/audit.log, so tests can compare what a ServiceAccount is granted with what it used. @default false
   */
  readonly auditServiceAccounts?: boolean;
  /** State directory. @default localDir() */
  readonly dir?: string;
  readonly onProgress?: (line: string) => void;
}

const stateFile = (dir: string) => path.join(dir, 'state.json');

/** The two controllers among a local cluster's processes (`local up --controllers`), e.g. to read their logs. */
export function controllerProcesses(state: LocalClusterState | undefined): ProcessRecord[] {
  return (state?.processes ?? []).filter((p) => CONTROLLERS.some((c) => c.name === p.name));
}

export function readState(dir: string = localDir()): LocalClusterState | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile(dir), 'utf8')) as LocalClusterState;
  } catch {
    return undefined;
  }
}

/** True when `pid` runs and is the binary we started (guards against a reused pid). */
export function isOurProcess(record: ProcessRecord): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
    return cmdline.split('\0')[0] === record.binary;
  } catch {
    return false;
  }
}

export class LocalClusterRunning extends Error {
  constructor(readonly state: LocalClusterState) {
    super(`a local cluster is already running (${state.server}, kubeconfig ${state.kubeconfig}); \`npx aigw-scale local down\` stops it`);
  }
}

/**
 * Starts etcd and kube-apiserver on 127.0.0.1 (free ports, data in a temp dir, RBAC on), plus
 * kube-controller-manager, kube-scheduler and kwok with fake nodes unless `controlPlaneOnly`. Processes keep
 * running after this returns; `downLocalCluster` stops exactly them.
 */
export async function upLocalCluster(options: UpOptions = {}): Promise<LocalClusterState> {
  const dir = options.dir ?? localDir();
  const log = options.onProgress ?? (() => undefined);
  const existing = readState(dir);
  if (existing && existing.processes.some(isOurProcess)) throw new LocalClusterRunning(existing);
  if (existing) cleanUp(dir, existing); // a crashed or half-stopped cluster: clear what is left

  const controlPlaneOnly = options.controlPlaneOnly ?? false;
  const nodes = options.nodes ?? 1;
  const binaries = requireBinaries(controlPlaneOnly ? CONTROL_PLANE_COMPONENTS : LOCAL_CLUSTER_COMPONENTS);
  if (options.controllers && controlPlaneOnly) throw new Error('--controllers needs the full cluster (kube-controller-manager, kube-scheduler, kwok), not --control-plane-only');
  if (options.controllers) requireControllerBinaries(); // fail before anything starts

  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-local-'));
  const pki = createPki(path.join(dataDir, 'pki'));
  const [etcdClient, etcdPeer, apiserverPort, kcmPort, schedulerPort, kwokPort] = await Promise.all(Array.from({ length: 6 }, freePort));
  const server = `https://127.0.0.1:${apiserverPort}`;
  const kubeconfig = path.join(dir, 'kubeconfig');
  const auditLog = options.auditServiceAccounts ? path.join(dir, 'logs', 'audit.log') : undefined;
  const state: LocalClusterState = { version: 1, dataDir, kubeconfig, server, controlPlaneOnly, nodes, startedAt: new Date().toISOString(), processes: [], auditLog };
  const save = () => fs.writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
  const spawnRecorded = (name: AnyComponent | HelperProcess, binary: string, args: string[], startOptions: StartOptions = {}): ProcessRecord => {
    const logFile = path.join(dir, 'logs', `${name}.log`);
    const fd = fs.openSync(logFile, 'w');
    const child = spawn(startOptions.command ?? binary, args, { detached: true, stdio: ['ignore', fd, fd], env: startOptions.env ?? process.env });
    fs.closeSync(fd);
    if (child.pid === undefined) throw new Error(`cannot start ${startOptions.command ?? binary}; rebuild with \`npx aigw-scale local build\``);
    child.on('error', () => undefined); // reported through the pid check in waitFor
    child.unref();
    const record: ProcessRecord = { name, pid: child.pid!, binary, log: logFile };
    state.processes.push(record);
    save();
    log(`started ${name} (pid ${child.pid}), log ${path.relative(process.cwd(), logFile)}`);
    return record;
  };
  const start = (name: Component, args: string[]) => void spawnRecorded(name, binaries[name], args);

  try {
    start('etcd', [
      `--data-dir=${path.join(dataDir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--listen-metrics-urls=',
      '--log-level=warn',
    ]);
    await waitFor(`etcd on :${etcdClient}`, () => httpOk(`http://127.0.0.1:${etcdClient}/health`), 30_000, state);

    start('kube-apiserver', [...apiserverArgs(pki, etcdClient, apiserverPort), ...(auditLog ? auditArgs(dataDir, auditLog) : [])]);
    writeKubeconfig(kubeconfig, server, pki);
    await waitFor(`kube-apiserver on :${apiserverPort}`, () => httpsOk(`${server}/readyz`, pki), 90_000, state);
    log(`kube-apiserver ready at ${server}`);

    if (!controlPlaneOnly) {
      start('kube-controller-manager', [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${path.join(pki.apiserverCertDir, 'apiserver.crt')}`,
        '--controllers=*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service-lb-controller',
      ]);
      start('kube-scheduler', [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${schedulerPort}`,
      ]);
      // kwok is the fake nodes' kubelet: the apiserver reaches it at the nodes' InternalIP and port, over TLS
      // (any certificate: no kubelet CA is configured), for `kubectl port-forward`, which kwok serves to the
      // local address a PortForward object names.
      await installKwokCrds(kubeconfig, binaries['kwok-crds']!);
      start('kwok', [
        `--kubeconfig=${kubeconfig}`,
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        `--server-address=127.0.0.1:${kwokPort}`,
        `--node-port=${kwokPort}`,
        '--node-ip=127.0.0.1',
        `--tls-cert-file=${path.join(pki.apiserverCertDir, 'apiserver.crt')}`,
        `--tls-private-key-file=${path.join(pki.apiserverCertDir, 'apiserver.key')}`,
        '--enable-crds=PortForward',
        '--cidr=10.244.0.0/16', // pod IPs outside the service range
        ...fs.readdirSync(binaries['kwok-stages']!).map((file) => `--config=${path.join(binaries['kwok-stages']!, file)}`),
      ]);
      await createFakeNodes(server, pki, nodes);
      log(`created ${nodes} kwok node(s)`);
    }
    if (options.controllers) {
      state.controllers = await startControllers(
        {
          kubeconfig,
          dataDir,
          server,
          log,
          start: async (name, binary, args, startOptions) => {
            const record = spawnRecorded(name, binary, args, startOptions);
            // A wrapper (unshare) execs the binary in the same process: wait until it has, so that
            // isOurProcess holds from here on.
            if (startOptions?.command) await waitFor(`${name} to start`, async () => isOurProcess(record), 10_000, { ...state, processes: [] });
          },
          waitFor: (what, check, timeoutMs) => waitFor(what, check, timeoutMs, state),
        },
        { grpcMaxMessageSize: options.grpcMaxMessageSize },
      );
      save();
    }
    return state;
  } catch (error) {
    stopProcesses(state);
    cleanUp(dir, state);
    throw error;
  }
}

function apiserverArgs(pki: LocalPki, etcdPort: number, port: number): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    `--cert-dir=${pki.apiserverCertDir}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    // No service-account tokens for fake pods; no not-ready taint on fake nodes (nothing would lift it: the node
    // lifecycle controller is off, as kwok nodes send no heartbeats).
    '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition',
    '--authorization-mode=RBAC',
    `--token-auth-file=${pki.tokenFile}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--endpoint-reconciler-type=none',
    '--kubelet-preferred-address-types=InternalIP', // kwok nodes' Hostname resolves nowhere
  ];
}

/** Metadata-level audit of ServiceAccounts' requests only (the control plane's own traffic would drown them). */
function auditArgs(dataDir: string, logFile: string): string[] {
  const policyFile = path.join(dataDir, 'audit-policy.yaml');
  const policy = { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'], rules: [{ level: 'Metadata', userGroups: ['system:serviceaccounts'] }, { level: 'None' }] };
  fs.writeFileSync(policyFile, YAML.stringify(policy));
  return [`--audit-policy-file=${policyFile}`, `--audit-log-path=${logFile}`, '--audit-log-format=json', '--audit-log-mode=blocking'];
}

function writeKubeconfig(file: string, server: string, pki: LocalPki): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT_NAME, cluster: { server, 'certificate-authority': path.join(pki.apiserverCertDir, 'apiserver.crt') } }],
    users: [{ name: CONTEXT_NAME, user: { token: pki.adminToken } }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: CONTEXT_NAME } }],
    'current-context': CONTEXT_NAME,
  };
  fs.writeFileSync(file, YAML.stringify(config), { mode: 0o600 });
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    }).on('error', () => resolve(false));
  });
}

function httpsOk(url: string, pki: LocalPki): Promise<boolean> {
  return new Promise((resolve) => {
    // The serving certificate does not exist until the apiserver writes it, so readiness skips verification.
    https.get(url, { headers: { authorization: `Bearer ${pki.adminToken}` }, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    }).on('error', () => resolve(false));
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, state: LocalClusterState): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    const dead = state.processes.find((p) => !isOurProcess(p));
    if (dead) throw new Error(`${dead.name} exited while waiting for ${what}; see ${dead.log}:\n${tail(dead.log)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000} s`);
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** kwok's PortForward CRD, which must be served before kwok starts watching it. */
async function installKwokCrds(kubeconfig: string, dir: string): Promise<void> {
  const cluster = await Cluster.connect({ kubeconfig });
  try {
    const result = await installCrds(cluster, readCrdDir(dir));
    if (result.failed.length > 0) throw new Error(`installing kwok's CRDs failed: ${JSON.stringify(result.failed)}`);
  } finally {
    cluster.close();
  }
}

async function createFakeNodes(server: string, pki: LocalPki, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    const name = `kwok-node-${i}`;
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, annotations: { [KWOK_NODE_ANNOTATION]: 'fake' }, labels: { 'kubernetes.io/hostname': name, type: 'kwok' } },
      status: { allocatable: { cpu: '32', memory: '256Gi', pods: '1000' }, capacity: { cpu: '32', memory: '256Gi', pods: '1000' } },
    };
    const status = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify(node);
      const req = https.request(
        `${server}/api/v1/nodes`,
        { method: 'POST', rejectUnauthorized: false, headers: { authorization: `Bearer ${pki.adminToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    if (status !== 201 && status !== 409) throw new Error(`creating node ${name} failed with HTTP ${status}`);
  }
}

/** SIGTERM, then SIGKILL after a grace period, for each process we started (and only those). */
export function stopProcesses(state: LocalClusterState, graceMs = 10_000): string[] {
  const stopped: string[] = [];
  // Reverse start order: clients first, etcd last.
  for (const record of [...state.processes].reverse()) {
    if (!isOurProcess(record)) continue;
    process.kill(record.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isOurProcess(record) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    if (isOurProcess(record)) process.kill(record.pid, 'SIGKILL');
    stopped.push(record.name);
  }
  return stopped;
}

function cleanUp(dir: string, state: LocalClusterState): void {
  fs.rmSync(state.dataDir, { recursive: true, force: true });
  fs.rmSync(state.kubeconfig, { force: true });
  fs.rmSync(stateFile(dir), { force: true });
}

/** Stops what `up` started and removes its data; returns the names of the processes stopped. */
export function downLocalCluster(dir: string = localDir()): string[] | undefined {
  const state = readState(dir);
  if (!state) return undefined;
  const stopped = stopProcesses(state);
  cleanUp(dir, state);
  return stopped;
}
