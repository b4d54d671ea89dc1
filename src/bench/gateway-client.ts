import * as http from 'node:http';
import * as https from 'node:https';
import { MODEL_HEADER } from '../../constructs/conventions';
import { BACKEND_ID_HEADER, BACKEND_NAMESPACE_HEADER } from '../mock-provider';

/** What one probe through the gateway found. */
export interface ProbeResult {
  readonly status: number;
  /** The backend that answered (mock identity header), when any did. */
  readonly backend?: string;
  /** The namespace of the backend that answered: the same backend names exist in every fixture. */
  readonly namespace?: string;
  readonly error?: string;
}

/** A probe's answer in words: the error, or the status and the backend that answered. */
export function describeProbe(result: ProbeResult | undefined): string {
  if (!result) return 'no probe answered';
  return result.error ?? `HTTP ${result.status}${result.backend ? ` from ${result.backend}` : ''}${result.namespace ? ` in namespace ${result.namespace}` : ''}`;
}

/**
 * Sends chat completions through the gateway, one per probe, over keep-alive connections. The request is the
 * smallest an OpenAI-compatible provider accepts; routing uses the `x-ai-eg-model` header.
 */
export class GatewayClient {
  private readonly agent: http.Agent;
  private readonly url: URL;

  constructor(gatewayUrl: string, private readonly timeoutMs = 5000, maxSockets = 256) {
    this.url = new URL('/v1/chat/completions', gatewayUrl);
    const Agent = this.url.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  probe(model: string): Promise<ProbeResult> {
    const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 });
    const request = this.url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve) => {
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [MODEL_HEADER]: model },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, backend: res.headers[BACKEND_ID_HEADER] as string | undefined, namespace: res.headers[BACKEND_NAMESPACE_HEADER] as string | undefined }),
          );
          res.on('error', (error) => resolve({ status: 0, error: error.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (error) => resolve({ status: 0, error: error.message }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
