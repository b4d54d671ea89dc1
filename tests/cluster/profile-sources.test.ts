/**
 * Where `bench --profiles` finds Envoy Gateway's pprof on a cluster: on a kwok pod labelled as gateway-helm labels
 * its pod, with the EnvoyGateway config the chart renders from our Helm values (its template writes
 * `config.envoyGateway` whole into the envoy-gateway-config ConfigMap). The port and whether pprof can be reached
 * through the apiserver's pod proxy come from that config, as the Pulumi stack installs it with profiles on or off.
 */
import * as YAML from 'yaml';
import { AdminAddress, helmValues } from '../../charts/helm-values';
import { ENVOY_GATEWAY_NAMESPACE } from '../../src/install/facts';
import { POD_PPROF_ADDRESS } from '../../infra/controllers';
import { clusterProfileSources } from '../../src/bench/profiles';
import { Cluster } from '../../src/kube/cluster';
import { connect, ensureSharedNamespace } from './support';

jest.setTimeout(120_000);

const POD = 'envoy-gateway-prof-7c4f';
const CONFIG = `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/configmaps/envoy-gateway-config`;

describe('Envoy Gateway profile sources on a cluster (pod proxy)', () => {
  let cluster: Cluster;

  /** The chart's ConfigMap for values with pprof at `pprofAt` (undefined: profiles not requested). */
  async function installConfig(pprofAt: AdminAddress | undefined): Promise<void> {
    const config = (helmValues({ pprofAt }).envoyGateway as any).config.envoyGateway;
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'envoy-gateway-config', namespace: ENVOY_GATEWAY_NAMESPACE }, data: { 'envoy-gateway.yaml': YAML.stringify({ apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyGateway', ...config }) } };
    await cluster.requestRetrying('DELETE', CONFIG);
    expect((await cluster.requestRetrying('POST', `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/configmaps`, body)).status).toBe(201);
  }

  beforeAll(async () => {
    cluster = await connect();
    await ensureSharedNamespace(cluster, ENVOY_GATEWAY_NAMESPACE);
    const node = (await cluster.requestRetrying('GET', '/api/v1/nodes')).body.items[0].metadata.name;
    const labels = { 'control-plane': 'envoy-gateway', 'app.kubernetes.io/name': 'gateway-helm', 'app.kubernetes.io/instance': 'eg' };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: POD, namespace: ENVOY_GATEWAY_NAMESPACE, labels }, spec: { nodeName: node, containers: [{ name: 'envoy-gateway', image: 'envoyproxy/gateway:v1.8.1' }] } };
    expect((await cluster.requestRetrying('POST', `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/pods`, pod)).status).toBe(201);
    // kwok reports the pod Ready shortly after it is bound; only a Ready pod is profiled.
    for (let ready = false; !ready; await new Promise((resolve) => setTimeout(resolve, 200))) {
      const conditions = (await cluster.requestRetrying('GET', `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/pods/${POD}`)).body.status?.conditions ?? [];
      ready = conditions.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
    }
  });
  afterAll(async () => {
    await cluster.requestRetrying('DELETE', `/api/v1/namespaces/${ENVOY_GATEWAY_NAMESPACE}/pods/${POD}?gracePeriodSeconds=0`);
    await cluster.requestRetrying('DELETE', CONFIG);
    cluster.close();
  });

  test('profiles requested at install: the pod\'s admin port through the apiserver\'s pod proxy', async () => {
    await installConfig(POD_PPROF_ADDRESS);
    const found = await clusterProfileSources(cluster);
    expect(found.sources.map((s) => [s.component, s.where])).toEqual([['envoy-gateway', `pod ${ENVOY_GATEWAY_NAMESPACE}/${POD}:${POD_PPROF_ADDRESS.port} (apiserver proxy)`]]);
  });

  test('the admin port is the one the config names', async () => {
    await installConfig({ host: '0.0.0.0', port: 19555 });
    const found = await clusterProfileSources(cluster);
    expect(found.sources.map((s) => s.where)).toEqual([`pod ${ENVOY_GATEWAY_NAMESPACE}/${POD}:19555 (apiserver proxy)`]);
  });

  test('profiles not requested at install: not profiled, with the reason and the fix, before any request', async () => {
    await installConfig(undefined);
    const found = await clusterProfileSources(cluster);
    expect(found.sources).toEqual([]);
    expect(found.notProfiled.join('\n')).toMatch(/envoy-gateway: not profiled \(pprof is off in envoy-gateway-system\/envoy-gateway-config; .*aigw-scale:profiles/);
  });

  test('pprof on a loopback admin address is out of the pod proxy\'s reach', async () => {
    await installConfig({ host: '127.0.0.1', port: 19000 });
    const found = await clusterProfileSources(cluster);
    expect(found.sources).toEqual([]);
    expect(found.notProfiled.join('\n')).toContain('envoy-gateway: not profiled (its admin server listens on 127.0.0.1 inside the pod, out of the apiserver proxy\'s reach');
  });
});
