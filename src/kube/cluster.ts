import * as fs from 'node:fs';
import * as https from 'node:https';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { IN_CLUSTER_CONTEXT, InClusterOptions, KubeconfigError, ResolvedKubeconfig, inClusterAvailable, loadInClusterConfig, loadKubeconfig } from './kubeconfig';

/** How to reach a cluster: `--kubeconfig` (default KUBECONFIG, merged as kubectl merges it, then ~/.kube/config) and `--context`. */
export interface ClusterOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** A response from the apiserver, body parsed when it is JSON. */
export interface ApiResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: http.IncomingHttpHeaders;
}

/** Thrown for unreachable clusters and unusable kubeconfigs; the message says what to check. */
export class ClusterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterError';
  }
}

/** The kubeconfig files named by the flag, else every entry of KUBECONFIG (kubectl merges them), if any. */
function explicitKubeconfigs(flag: string | undefined, env: NodeJS.ProcessEnv): string[] | undefined {
  if (flag) return [flag];
  const listed = env.KUBECONFIG?.split(path.delimiter).filter(Boolean) ?? [];
  return listed.length > 0 ? listed : undefined;
}

/** ~/.kube/config (HOME from `env`, as kubectl does). */
function defaultKubeconfig(env: NodeJS.ProcessEnv): string {
  return path.join(env.HOME || os.homedir(), '.kube', 'config');
}

/**
 * The kubeconfig files to read: the flag, else the KUBECONFIG entries that exist (kubectl skips missing ones),
 * else ~/.kube/config.
 */
export function resolveKubeconfigPaths(flag?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates = explicitKubeconfigs(flag, env) ?? [defaultKubeconfig(env)];
  const existing = candidates.filter((file) => fs.existsSync(file));
  if (existing.length === 0 || (flag && existing.length < candidates.length)) {
    throw new ClusterError(`kubeconfig ${candidates.join(path.delimiter)} does not exist; pass --kubeconfig, set KUBECONFIG, or start a local cluster with \`npx aigw-scale local up\``);
  }
  return existing;
}

/** The first of those files, for consumers that take a single file (the Pulumi program's kubeconfig setting). */
export function resolveKubeconfigPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolveKubeconfigPaths(flag, env)[0];
}

/**
 * Where the connection's configuration comes from: kubeconfig files (flag, KUBECONFIG, ~/.kube/config), or,
 * when none is given or present and the process runs in a pod, the pod's service account ("in-cluster").
 */
export function resolveClusterSource(options: ClusterOptions = {}, inCluster: InClusterOptions = {}): { kubeconfig: string[] } | { inCluster: true } {
  const env = inCluster.env ?? process.env;
  const explicit = explicitKubeconfigs(options.kubeconfig, env);
  if (explicit === undefined && !fs.existsSync(defaultKubeconfig(env)) && inClusterAvailable(inCluster)) return { inCluster: true };
  return { kubeconfig: resolveKubeconfigPaths(options.kubeconfig, env) };
}

/**
 * A connection to one apiserver: keep-alive HTTPS with the kubeconfig's credentials. The applier issues
 * thousands of small requests, so it talks HTTP directly instead of through a generated client.
 */
export class Cluster {
  readonly server: string;
  readonly contextName: string;
  /** The kubeconfig files, as KUBECONFIG lists them (none in a pod: its service account). */
  readonly kubeconfigFiles: readonly string[];
  private readonly agent: http.Agent;
  /** https, or http for a plain `http://` server (as kubectl allows). */
  private readonly transport: typeof https | typeof http;

  private constructor(private readonly config: ResolvedKubeconfig) {
    this.kubeconfigFiles = config.files;
    this.contextName = config.contextName;
    this.server = config.server;
    const { ca, cert, key, rejectUnauthorized, servername } = config.tls;
    const plain = new URL(config.server).protocol === 'http:';
    this.transport = plain ? http : https;
    this.agent = plain ? new http.Agent({ keepAlive: true, maxSockets: 64 }) : new https.Agent({ keepAlive: true, maxSockets: 64, ca, cert, key, rejectUnauthorized, servername });
  }

  /**
   * Connects with a kubeconfig (see resolveClusterSource), or in a pod without one with its service account.
   * `inCluster` injects the environment and the service account directory (tests).
   */
  static async connect(options: ClusterOptions = {}, inCluster: InClusterOptions = {}): Promise<Cluster> {
    try {
      const source = resolveClusterSource(options, inCluster);
      if ('inCluster' in source) {
        if (options.context !== undefined && options.context !== IN_CLUSTER_CONTEXT) {
          throw new ClusterError(`no kubeconfig here (in a pod, using its service account): --context must be "${IN_CLUSTER_CONTEXT}" or left out, got "${options.context}"`);
        }
        return new Cluster(loadInClusterConfig(inCluster));
      }
      return new Cluster(loadKubeconfig(source.kubeconfig, options.context));
    } catch (error) {
      if (error instanceof KubeconfigError) throw new ClusterError(error.message);
      throw error;
    }
  }

  /** True when the apiserver is on this machine (loopback), where no confirmation is needed. */
  get isLoopback(): boolean {
    const host = new URL(this.server).hostname;
    return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
  }

  /** One line naming the target, printed before anything changes. */
  describe(): string {
    return `context "${this.contextName}" at ${this.server}`;
  }

  async request<T = any>(method: string, urlPath: string, body?: unknown, contentType = 'application/json', accept = 'application/json'): Promise<ApiResponse<T>> {
    const url = new URL(urlPath, this.server);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = { accept };
    const authorization = await this.config.authorization();
    if (authorization) headers.authorization = authorization;
    if (payload !== undefined) {
      headers['content-type'] = contentType;
      headers['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise((resolve, reject) => {
      const req = this.transport.request(
        // TLS settings live on the agent only: passing them per request would build a new secure context each time.
        { agent: this.agent, method, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            if ((res.headers['content-type'] ?? '').includes('json') && text) {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: res.headers });
          });
          res.on('error', reject);
        },
      );
      req.on('error', (error) => reject(Object.assign(new ClusterError(`cannot reach ${this.server}: ${error.message}`), { cause: error })));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /**
   * A request retried on 429 (e.g. "storage is (re)initializing" right after a CRD is added), 5xx and
   * connection errors, with exponential backoff, or as long as the server's Retry-After asks (API priority and
   * fairness sends 429 with one); for reads and idempotent writes.
   */
  async requestRetrying<T = any>(method: string, urlPath: string, body?: unknown, contentType?: string, accept?: string, attempts = RETRY_ATTEMPTS): Promise<ApiResponse<T>> {
    // Without a signal there is always a last response.
    return (await retryRequest(() => this.request<T>(method, urlPath, body, contentType, accept), { attempts }))!;
  }

  /**
   * A GET whose response body is handed over unread, for streams such as watches; the response ends when the
   * server closes it or `signal` aborts. Each call is one request to the apiserver.
   */
  async openStream(urlPath: string, signal?: AbortSignal): Promise<http.IncomingMessage> {
    const url = new URL(urlPath, this.server);
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    const authorization = await this.config.authorization();
    if (authorization) headers.authorization = authorization;
    return new Promise((resolve, reject) => {
      const req = this.transport.request({ agent: this.agent, method: 'GET', hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers, signal }, resolve);
      req.on('error', (error) => reject(Object.assign(new ClusterError(`cannot reach ${this.server}: ${error.message}`), { cause: error })));
      req.end();
    });
  }

  /** Checks the apiserver answers; returns its version. */
  async version(): Promise<{ gitVersion: string }> {
    const response = await this.requestRetrying('GET', '/version', undefined, undefined, undefined, 3);
    if (response.status !== 200) throw new ClusterError(`${this.server}/version answered HTTP ${response.status}: ${messageOf(response.body)}`);
    return response.body;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Attempts a retried apiserver request makes by default. */
export const RETRY_ATTEMPTS = 8;

/** Statuses worth asking again: 429 (API priority and fairness, a new CRD's storage initializing) and 5xx. */
export const isRetryableStatus = (status: number): boolean => status === 429 || status >= 500;

export interface RetryOptions {
  readonly attempts: number;
  /** Statuses worth another attempt. @default 429 and 5xx */
  readonly retryable?: (status: number) => boolean;
  /** Called before each wait (counting retries). */
  readonly onRetry?: () => void;
  /** Checked before each attempt: once aborted, no more requests. */
  readonly signal?: AbortSignal;
}

/**
 * The one retry loop for apiserver requests: `send` again after a retryable status or a connection error
 * (ClusterError), waiting backoffMs between attempts. Returns the last response (undefined once `signal`
 * aborts); throws the last connection error once the attempts are used up.
 */
export async function retryRequest<T>(send: () => Promise<ApiResponse<T>>, options: RetryOptions): Promise<ApiResponse<T> | undefined> {
  const retryable = options.retryable ?? isRetryableStatus;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) return undefined;
    let retryAfter: string | undefined;
    try {
      const response = await send();
      if (!retryable(response.status) || attempt >= options.attempts) return response;
      retryAfter = response.headers['retry-after'] as string | undefined;
    } catch (error) {
      if (!(error instanceof ClusterError) || attempt >= options.attempts) throw error;
    }
    options.onRetry?.();
    await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, retryAfter)));
  }
}

/** The longest Retry-After honoured: a server asking for more is waited for this long, then asked again. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Wait before retry `attempt` (1-based): what Retry-After asks (seconds or an HTTP date, RFC 9110), else
 * exponential with jitter, capped at 5 s.
 */
export function backoffMs(attempt: number, retryAfter?: string, nowMs = Date.now()): number {
  const value = retryAfter?.trim();
  if (value) {
    const asked = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - nowMs;
    if (Number.isFinite(asked)) return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, asked));
  }
  return Math.min(5000, 50 * 2 ** attempt) * (0.5 + Math.random());
}

/** The apiserver's own words from a Status body (or the raw text). */
export function messageOf(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  return typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body).slice(0, 500);
}
