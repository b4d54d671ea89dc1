import { ChildProcess, spawn } from 'node:child_process';
import { Cluster } from '../kube/cluster';
import { gatewayEnvoySelector } from '../kube/gateway-envoy';

/**
 * `kubectl port-forward` to the Envoy Service of a Gateway (Envoy Gateway creates it once the Gateway exists),
 * for clusters whose gateway is not reachable from here. Needs kubectl on PATH.
 */
export class PortForward {
  private constructor(private readonly child: ChildProcess, readonly url: string) {}

  static async toGateway(cluster: Cluster, gateway: { name: string; namespace: string }, timeoutMs = 180_000): Promise<PortForward> {
    const selector = gatewayEnvoySelector(gateway);
    const deadline = Date.now() + timeoutMs;
    let service: { metadata: { name: string; namespace: string }; spec: { ports: { port: number }[] } } | undefined;
    while (!service) {
      const response = await cluster.requestRetrying('GET', `/api/v1/services?labelSelector=${encodeURIComponent(selector)}`);
      service = response.body?.items?.[0];
      if (service) break;
      if (Date.now() > deadline) throw new Error(`no Envoy Service for Gateway ${gateway.namespace}/${gateway.name} after ${timeoutMs / 1000} s; is Envoy Gateway running?`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const port = service.spec.ports[0].port;
    const child = spawn('kubectl', ['port-forward', '--kubeconfig', cluster.kubeconfigPath, '--context', cluster.contextName, '-n', service.metadata.namespace, `svc/${service.metadata.name}`, `:${port}`, '--address', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const localPort = await new Promise<number>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('error', (error) => reject(new Error(`kubectl port-forward failed to start (${error.message}); install kubectl or pass --gateway-url`)));
      child.on('exit', (code) => reject(new Error(`kubectl port-forward exited (${code}): ${output.trim()}`)));
    });
    return new PortForward(child, `http://127.0.0.1:${localPort}`);
  }

  close(): void {
    this.child.kill();
  }
}
