import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { BACKEND_ANNOTATION, MODEL_ANNOTATION, MODEL_HEADER } from '../../constructs/conventions';
import { Cluster } from '../kube/cluster';
import { METADATA_ONLY } from '../kube/inventory';

/**
 * STAND-IN for Envoy + AI Gateway in tests and benchmarks, where Envoy cannot run: routes chat completions by
 * `x-ai-eg-model` to the mock provider, using the AIGatewayRoutes' annotations as they appear in a real apiserver
 * (listed every 100 ms). A route answers only `activationDelayMs` after the stand-in first saw it, like the
 * extproc picking up its config.
 * It forwards with the Host of the backend's Service, so the mock answers with that backend's identity.
 * `faults` makes chosen models misbehave, for tests of the runner's readiness rule and health gate, or caps the
 * routes its config takes, for the ceiling search.
 */
export class StandInGateway {
  private readonly routes = new Map<string, { backend: string; activeAtMs: number; answered: number }>();
  /** When each model started answering (epoch ms), one entry per time the stand-in saw its route appear. */
  readonly activations = new Map<string, number[]>();
  /**
   * Per model, when the last request refused before its first forwarded one arrived, and when that one arrived
   * (epoch ms): how finely a client detected the route, measured the same way for any client.
   */
  readonly detections = new Map<string, { lastRefusedMs?: number; firstForwardedMs?: number }>();
  private poller?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private server?: http.Server;
  url = '';

  constructor(
    private readonly cluster: Cluster,
    private readonly namespace: string,
    private readonly upstream: { host: string; port: number },
    private readonly activationDelayMs: number,
    private readonly faults: StandInFaults = {},
  ) {}

  async start(): Promise<this> {
    await this.poll();
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    const loop = () => {
      // A failed poll keeps the last view of the routes; the next one retries.
      this.polling = this.poll()
        .catch(() => undefined)
        .finally(() => this.poller && (this.poller = setTimeout(loop, 100)));
    };
    this.poller = setTimeout(loop, 100);
    return this;
  }

  private async poll(): Promise<void> {
    // Metadata only: the annotations are all it reads, and the list is repeated every 100 ms at thousands of routes.
    const response = await this.cluster.request('GET', `/apis/aigateway.envoyproxy.io/v1beta1/namespaces/${this.namespace}/aigatewayroutes`, undefined, undefined, METADATA_ONLY);
    if (response.status !== 200) return;
    // Over capacity the config stops updating, as Envoy Gateway skips publishing when a translation fails: the
    // routes served so far stay served, new ones never are.
    if (this.faults.capacity !== undefined && (response.body.items ?? []).length > this.faults.capacity) return;
    const seen = new Set<string>();
    for (const route of response.body.items ?? []) {
      const model = route.metadata.annotations?.[MODEL_ANNOTATION];
      const backend = route.metadata.annotations?.[BACKEND_ANNOTATION];
      if (!model || !backend) continue;
      seen.add(model);
      if (this.routes.has(model)) continue;
      const activeAtMs = this.faults.neverActive?.has(model) ? Infinity : Date.now() + this.activationDelayMs;
      this.routes.set(model, { backend, activeAtMs, answered: 0 });
      this.activations.set(model, [...(this.activations.get(model) ?? []), activeAtMs]);
    }
    for (const model of [...this.routes.keys()]) if (!seen.has(model)) this.routes.delete(model);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const model = String(req.headers[MODEL_HEADER] ?? '');
    const route = this.routes.get(model);
    const arrivedMs = Date.now();
    const detection = this.detections.get(model) ?? this.detections.set(model, {}).get(model)!;
    if (!route || arrivedMs < route.activeAtMs) {
      if (detection.firstForwardedMs === undefined) detection.lastRefusedMs = arrivedMs;
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"no route (stand-in gateway)"}}');
      return;
    }
    detection.firstForwardedMs ??= arrivedMs;
    if (this.faults.flapping?.has(model) && route.answered++ % 2 === 1) {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"flapping (stand-in gateway)"}}');
      return;
    }
    const upstream = http.request(
      { host: this.upstream.host, port: this.upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: `${route.backend}.${this.namespace}.svc.cluster.local:${this.upstream.port}` } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  }

  async stop(): Promise<void> {
    clearTimeout(this.poller);
    this.poller = undefined;
    await this.polling; // so no request is left in flight on a cluster connection the caller closes next
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Models the stand-in mistreats on purpose. */
export interface StandInFaults {
  /** Models that are never routed (404 forever), like a route the controller never programs. */
  readonly neverActive?: ReadonlySet<string>;
  /** Models that, once active, answer every other request with 503, like a route flapping between configs. */
  readonly flapping?: ReadonlySet<string>;
  /** The most routes the stand-in's config takes: with more, it stops updating (a ceiling to find). */
  readonly capacity?: number;
}
