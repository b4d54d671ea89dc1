import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as YAML from 'yaml';

/**
 * A kubeconfig reader covering what benchmarks meet: CA/cert/key as files or inline data, bearer tokens (inline
 * or file), and exec credential plugins (EKS, GKE, AKS), refreshed when they expire. Written here rather than
 * taken from @kubernetes/client-node because that package is ESM-only and this project (jest, Pulumi's
 * ts-node) runs CommonJS.
 */

export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

interface NamedEntry {
  name: string;
  [key: string]: unknown;
}

interface ClusterEntry {
  server: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  apiVersion?: string;
}

interface UserEntry {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  exec?: ExecConfig;
  'auth-provider'?: unknown;
}

/** TLS settings for the connection to the apiserver. */
export interface TlsSettings {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
}

/** One context of a kubeconfig, resolved: where the apiserver is and how to authenticate. */
export class ResolvedKubeconfig {
  private execToken?: { token: string; expires: number };
  private fileToken?: { token: string; readAt: number };

  /**
   * @param tokenFileRefreshMs how long a token read from `tokenFile` is reused before the file is read again
   *   (0: on every request). Projected service account tokens rotate, so they are re-read periodically.
   */
  constructor(
    /** The kubeconfig files it came from, in KUBECONFIG order (none in a pod). */
    readonly files: readonly string[],
    readonly contextName: string,
    readonly server: string,
    readonly tls: TlsSettings,
    private readonly user: UserEntry,
    private readonly baseDir: string,
    private readonly tokenFileRefreshMs = 0,
  ) {}

  /** The Authorization header, if the user authenticates with a token (static, file or exec plugin). */
  async authorization(): Promise<string | undefined> {
    if (this.user.token) return `Bearer ${this.user.token}`;
    if (this.user.tokenFile) return `Bearer ${this.readTokenFile(this.user.tokenFile)}`;
    if (this.user.exec) {
      if (!this.execToken || Date.now() > this.execToken.expires - 60_000) this.execToken = await runExecPlugin(this.user.exec);
      return `Bearer ${this.execToken.token}`;
    }
    return undefined;
  }

  private readTokenFile(tokenFile: string): string {
    const now = Date.now();
    if (this.fileToken && now - this.fileToken.readAt < this.tokenFileRefreshMs) return this.fileToken.token;
    try {
      this.fileToken = { token: fs.readFileSync(path.resolve(this.baseDir, tokenFile), 'utf8').trim(), readAt: now };
    } catch (error) {
      // A rotation in progress: keep using the token we have; without one there is nothing to send.
      if (!this.fileToken) throw new KubeconfigError(`cannot read token file ${tokenFile}: ${(error as Error).message}`);
    }
    return this.fileToken.token;
  }
}

/** Where Kubernetes mounts a pod's service account credentials. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The context name reported for in-cluster configuration. */
export const IN_CLUSTER_CONTEXT = 'in-cluster';
/** The service account token is re-read this often (the kubelet rotates projected tokens well before expiry). */
export const IN_CLUSTER_TOKEN_REFRESH_MS = 60_000;

/** Where to look for in-cluster configuration; injectable for tests. */
export interface InClusterOptions {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default SERVICE_ACCOUNT_DIR */
  readonly serviceAccountDir?: string;
  /** @default IN_CLUSTER_TOKEN_REFRESH_MS */
  readonly tokenRefreshMs?: number;
}

/** True inside a pod: KUBERNETES_SERVICE_HOST and _PORT are set and the service account token is mounted. */
export function inClusterAvailable(options: InClusterOptions = {}): boolean {
  const env = options.env ?? process.env;
  return Boolean(env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) && fs.existsSync(path.join(options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, 'token'));
}

/**
 * The pod's own service account: server https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, the CA from
 * ca.crt, the bearer token from the token file (re-read every `tokenRefreshMs`), context "in-cluster".
 */
export function loadInClusterConfig(options: InClusterOptions = {}): ResolvedKubeconfig {
  const env = options.env ?? process.env;
  const dir = path.resolve(options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new KubeconfigError('not running in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set');
  const tokenFile = path.join(dir, 'token');
  if (!fs.existsSync(tokenFile)) throw new KubeconfigError(`no service account token at ${tokenFile} (is automountServiceAccountToken off?)`);
  const caFile = path.join(dir, 'ca.crt');
  let ca: Buffer;
  try {
    ca = fs.readFileSync(caFile);
  } catch (error) {
    throw new KubeconfigError(`cannot read the cluster CA ${caFile}: ${(error as Error).message}`);
  }
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new ResolvedKubeconfig([], IN_CLUSTER_CONTEXT, server, { ca, rejectUnauthorized: true }, { tokenFile }, dir, options.tokenRefreshMs ?? IN_CLUSTER_TOKEN_REFRESH_MS);
}

const readData = (data: string | undefined, file: string | undefined, baseDir: string): Buffer | undefined =>
  data ? Buffer.from(data, 'base64') : file ? fs.readFileSync(path.resolve(baseDir, file)) : undefined;

/** A named entry and the directory of the file that defined it (its relative paths are relative to that file). */
type Defined<T> = { readonly value: T; readonly dir: string };

/** Several kubeconfig files merged as kubectl merges KUBECONFIG: the first file to set a name or current-context wins. */
interface MergedKubeconfig {
  readonly currentContext?: string;
  readonly contexts: Map<string, Defined<{ cluster: string; user?: string }>>;
  readonly clusters: Map<string, Defined<ClusterEntry>>;
  readonly users: Map<string, Defined<UserEntry>>;
}

function parseFile(file: string): any {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new KubeconfigError(`cannot read kubeconfig ${file}: ${(error as Error).message}`);
  }
  try {
    return YAML.parse(text);
  } catch (error) {
    // YAML's own message quotes the lines around the error, which may hold a token or key: position only.
    const { code, linePos } = error as { code?: string; linePos?: { line: number; col: number }[] };
    throw new KubeconfigError(`cannot read kubeconfig ${file}: not valid YAML (${code ?? 'parse error'}${linePos ? ` at line ${linePos[0].line}, column ${linePos[0].col}` : ''})`);
  }
}

function mergeFiles(files: readonly string[]): MergedKubeconfig {
  let currentContext: string | undefined;
  const merged = { contexts: new Map(), clusters: new Map(), users: new Map() } as Omit<MergedKubeconfig, 'currentContext'>;
  for (const file of files) {
    const config = parseFile(file) ?? {};
    const dir = path.dirname(path.resolve(file));
    currentContext ||= config['current-context'] || undefined;
    for (const [list, key] of [['contexts', 'context'], ['clusters', 'cluster'], ['users', 'user']] as const) {
      for (const entry of (config[list] ?? []) as NamedEntry[]) {
        const target = merged[list] as Map<string, Defined<unknown>>;
        if (entry?.name !== undefined && !target.has(entry.name)) target.set(entry.name, { value: entry[key] ?? {}, dir });
      }
    }
  }
  return { currentContext, ...merged };
}

/**
 * Reads one context (default: current-context) of a kubeconfig, or of several files merged as kubectl merges
 * the files in KUBECONFIG.
 */
export function loadKubeconfig(fileOrFiles: string | readonly string[], context?: string): ResolvedKubeconfig {
  const files = (typeof fileOrFiles === 'string' ? [fileOrFiles] : fileOrFiles).map((f) => path.resolve(f));
  const where = files.join(path.delimiter);
  const config = mergeFiles(files);
  const contextName = context ?? config.currentContext;
  const contextNames = [...config.contexts.keys()].join(', ') || 'none';
  if (!contextName) throw new KubeconfigError(`${where} has no current-context; pass --context (contexts: ${contextNames})`);
  const ctx = config.contexts.get(contextName)?.value;
  if (!ctx) throw new KubeconfigError(`context "${contextName}" is not in ${where} (contexts: ${contextNames})`);
  const cluster = config.clusters.get(ctx.cluster);
  if (!cluster?.value?.server) throw new KubeconfigError(`${where}: cluster "${ctx.cluster}" is not defined`);
  const user = ctx.user ? config.users.get(ctx.user) : { value: {} as UserEntry, dir: cluster.dir };
  if (!user) throw new KubeconfigError(`${where}: user "${ctx.user}" is not defined`);
  if (user.value['auth-provider']) throw new KubeconfigError(`${where}: user "${ctx.user}" uses a legacy auth-provider; switch it to an exec credential plugin`);
  const tls: TlsSettings = {
    ca: readData(cluster.value['certificate-authority-data'], cluster.value['certificate-authority'], cluster.dir),
    cert: readData(user.value['client-certificate-data'], user.value['client-certificate'], user.dir),
    key: readData(user.value['client-key-data'], user.value['client-key'], user.dir),
    rejectUnauthorized: !cluster.value['insecure-skip-tls-verify'],
    servername: cluster.value['tls-server-name'],
  };
  return new ResolvedKubeconfig(files, contextName, cluster.value.server, tls, user.value, user.dir);
}

/** Runs a client-go exec credential plugin and reads its ExecCredential (token only). */
async function runExecPlugin(exec: ExecConfig): Promise<{ token: string; expires: number }> {
  const env = { ...process.env, ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])) };
  env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(exec.command, exec.args ?? [], { env, timeout: 60_000 }));
  } catch (error) {
    throw new KubeconfigError(`credential plugin \`${exec.command}\` failed: ${(error as Error).message.split('\n')[0]}`);
  }
  const status = JSON.parse(stdout).status ?? {};
  if (!status.token) throw new KubeconfigError(`credential plugin \`${exec.command}\` returned no token (client certificates from plugins are not supported)`);
  return { token: status.token, expires: status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : Number.POSITIVE_INFINITY };
}
