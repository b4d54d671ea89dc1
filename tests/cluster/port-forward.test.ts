/**
 * `--port-forward` against kwok pods labelled as Envoy Gateway labels a Gateway's Envoy: kwok serves each
 * port-forward to the local server a PortForward object names, so which server answers tells which pod the
 * forward reached. A Pending pod must not be forwarded to; a pod replaced mid-run must be followed.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { ENVOY_GATEWAY_NAMESPACE } from '../../src/install/facts';
import { PortForward } from '../../src/bench/port-forward';
import { Cluster } from '../../src/kube/cluster';
import { gatewayEnvoySelector } from '../../src/kube/gateway-envoy';
import { connect, ensureSharedNamespace } from './support';

const GATEWAY = { name: 'gw', namespace: 'pf-run' };
const ENVOY_PORT = 10080;
const labels = Object.fromEntries(gatewayEnvoySelector(GATEWAY).split(',').map((pair) => pair.split('=')));
const PODS = `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/pods`;
const FORWARDS = `/apis/kwok.x-k8s.io/v1alpha1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/portforwards`;

/** A local server that answers every request with its name: the "Envoy" behind one pod. */
async function namedServer(name: string) {
  const server = http.createServer((_req, res) => res.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const get = (url: string): Promise<string> =>
  new Promise((resolve) => {
    http
      .get(url, { agent: false, timeout: 2000 }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(body));
      })
      .on('error', (error) => resolve(`error: ${error.message}`));
  });

describe('PortForward.toGateway', () => {
  let cluster: Cluster;
  let node: string;
  let servers: Record<'a' | 'b', Awaited<ReturnType<typeof namedServer>>>;
  const made: string[] = [];
  beforeAll(async () => {
    cluster = await connect();
    node = (await cluster.requestRetrying('GET', '/api/v1/nodes')).body.items[0].metadata.name;
    servers = { a: await namedServer('a'), b: await namedServer('b') };
    await ensureSharedNamespace(cluster, ENVOY_GATEWAY_NAMESPACE);
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'envoy-pf-run-gw', namespace: ENVOY_GATEWAY_NAMESPACE, labels }, spec: { selector: labels, ports: [{ port: 80, targetPort: ENVOY_PORT }] } };
    expect((await cluster.requestRetrying('POST', `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/services`, service)).status).toBe(201);
  });
  afterAll(async () => {
    for (const name of made) {
      await cluster.requestRetrying('DELETE', `${PODS}/${name}?gracePeriodSeconds=0`);
      await cluster.requestRetrying('DELETE', `${FORWARDS}/${name}`);
    }
    await cluster.requestRetrying('DELETE', `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/services/envoy-pf-run-gw`);
    await servers.a.close();
    await servers.b.close();
    cluster.close();
  });

  /** An Envoy pod of the Gateway; scheduled: on a kwok node, Running and Ready, forwarding to `server`. */
  async function envoyPod(name: string, scheduled: { server: 'a' | 'b' } | undefined) {
    made.push(name);
    const spec = { ...(scheduled ? { nodeName: node } : { nodeSelector: { 'no-such': 'node' } }), containers: [{ name: 'envoy', image: 'envoy:test', ports: [{ containerPort: ENVOY_PORT }] }] };
    expect((await cluster.requestRetrying('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ENVOY_GATEWAY_NAMESPACE, labels }, spec })).status).toBe(201);
    if (!scheduled) return;
    const forward = { apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'PortForward', metadata: { name, namespace: ENVOY_GATEWAY_NAMESPACE }, spec: { forwards: [{ ports: [ENVOY_PORT], target: { address: '127.0.0.1', port: servers[scheduled.server].port } }] } };
    expect((await cluster.requestRetrying('POST', FORWARDS, forward)).status).toBe(201);
  }

  test('waits for a Running and Ready pod, and follows the Envoy pod when it is replaced', async () => {
    await envoyPod('envoy-pending', undefined); // Pending for good: kubectl would refuse it
    const lines: string[] = [];
    const starting = PortForward.toGateway(cluster, GATEWAY, { timeoutMs: 60_000, checkIntervalMs: 200, log: (line) => lines.push(line) });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await envoyPod('envoy-1', { server: 'a' });
    const forward = await starting;
    try {
      expect(await get(forward.url)).toBe('a');

      // The rollout AI Gateway triggers after the first route: a new pod, then the old one goes.
      await envoyPod('envoy-2', { server: 'b' });
      expect((await cluster.requestRetrying('DELETE', `${PODS}/envoy-1?gracePeriodSeconds=0`)).status).toBe(200);
      await cluster.requestRetrying('DELETE', `${FORWARDS}/envoy-1`);
      const deadline = Date.now() + 30_000;
      let answer = '';
      while (Date.now() < deadline && (answer = await get(forward.url)) !== 'b') await new Promise((resolve) => setTimeout(resolve, 200));
      expect({ answer, lines }).toEqual({ answer: 'b', lines: expect.arrayContaining([expect.stringMatching(/envoy-1 is no longer Ready|kubectl exited/)]) });
    } finally {
      await forward.close();
    }
  }, 120_000);
});
