/**
 * The pods each component's selector finds, on kwok pods that carry the labels the real Helm releases and
 * Envoy Gateway give them (gateway-helm v1.8.1, ai-gateway-helm v1.1.0 as `helm install eg` / `aieg`, Envoy
 * Gateway's proxy labels), next to pods that must not be found: another Gateway's Envoy, the certgen hook's pod.
 */
import { AI_GATEWAY_NAMESPACE, ENVOY_GATEWAY_NAMESPACE } from '../../src/install/facts';
import { Cluster } from '../../src/kube/cluster';
import { listPods, runPods } from '../../src/kube/gateway-envoy';
import { connect, ensureSharedNamespace } from './support';

const envoyLabels = (gateway: string, namespace: string) => ({
  'app.kubernetes.io/name': 'envoy',
  'app.kubernetes.io/component': 'proxy',
  'app.kubernetes.io/managed-by': 'envoy-gateway',
  'gateway.envoyproxy.io/owning-gateway-name': gateway,
  'gateway.envoyproxy.io/owning-gateway-namespace': namespace,
});
const PODS: { namespace: string; name: string; labels: Record<string, string> }[] = [
  { namespace: ENVOY_GATEWAY_NAMESPACE, name: 'envoy-gateway-5c9d', labels: { 'control-plane': 'envoy-gateway', 'app.kubernetes.io/name': 'gateway-helm', 'app.kubernetes.io/instance': 'eg' } },
  { namespace: ENVOY_GATEWAY_NAMESPACE, name: 'eg-gateway-helm-certgen-x7k2p', labels: { app: 'certgen' } },
  { namespace: AI_GATEWAY_NAMESPACE, name: 'ai-gateway-controller-7f6b', labels: { 'app.kubernetes.io/name': 'ai-gateway-helm', 'app.kubernetes.io/instance': 'aieg' } },
  { namespace: ENVOY_GATEWAY_NAMESPACE, name: 'envoy-sel-run-gw-1', labels: envoyLabels('gw', 'sel-run') },
  { namespace: ENVOY_GATEWAY_NAMESPACE, name: 'envoy-sel-run-gw-2', labels: envoyLabels('gw', 'sel-run') },
  { namespace: ENVOY_GATEWAY_NAMESPACE, name: 'envoy-other-gw-1', labels: envoyLabels('gw', 'sel-other') },
];

describe('pod selectors against pods labelled as the charts label them', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await connect();
    const node = (await cluster.requestRetrying('GET', '/api/v1/nodes')).body.items[0].metadata.name;
    for (const namespace of [ENVOY_GATEWAY_NAMESPACE, AI_GATEWAY_NAMESPACE]) await ensureSharedNamespace(cluster, namespace);
    for (const pod of PODS) {
      const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.name, namespace: pod.namespace, labels: pod.labels }, spec: { nodeName: node, containers: [{ name: 'c', image: 'c:test' }] } };
      expect((await cluster.requestRetrying('POST', `/api/v1/namespaces/${pod.namespace}/pods`, body)).status).toBe(201);
    }
  });
  afterAll(async () => {
    for (const pod of PODS) await cluster.requestRetrying('DELETE', `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}?gracePeriodSeconds=0`);
    cluster.close();
  });

  test("a run samples exactly both controllers' pods and its own Gateway's Envoy pods", async () => {
    const found: Record<string, string[]> = {};
    for (const selector of runPods({ name: 'gw', namespace: 'sel-run' })) {
      const response = await listPods(cluster, selector);
      expect(response.status).toBe(200);
      found[selector.component] = response.body.items.map((p: any) => p.metadata.name).sort();
    }
    expect(found).toEqual({
      'envoy-gateway': ['envoy-gateway-5c9d'],
      'ai-gateway-controller': ['ai-gateway-controller-7f6b'],
      'envoy-proxy': ['envoy-sel-run-gw-1', 'envoy-sel-run-gw-2'],
    });
  });
});
