import { Chart, Testing } from 'cdk8s';
import { AIRouteSet, aiRouteManifests } from '../../constructs/ai-route-set';

const props = { fixtureId: 'fx', namespace: 'bench', routes: 3, backendNames: ['backend-001', 'backend-002'], gatewayName: 'gw' };

describe('AIRouteSet', () => {
  test('synthesizes N routes (snapshot, N=3)', () => {
    const chart = new Chart(Testing.app(), 'test');
    new AIRouteSet(chart, 'Routes', props);
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('route i matches model i and uses backend (i-1) mod M, recorded in annotations', () => {
    const routes = [...aiRouteManifests({ ...props, routes: 5 })] as any[];
    expect(routes.map((r) => [r.metadata.name, r.metadata.annotations['aigw-scale/model'], r.metadata.annotations['aigw-scale/backend']])).toEqual([
      ['route-000001', 'model-000001', 'backend-001'],
      ['route-000002', 'model-000002', 'backend-002'],
      ['route-000003', 'model-000003', 'backend-001'],
      ['route-000004', 'model-000004', 'backend-002'],
      ['route-000005', 'model-000005', 'backend-001'],
    ]);
    for (const route of routes) {
      const [rule] = route.spec.rules;
      expect(rule.matches[0].headers[0]).toEqual({ name: 'x-ai-eg-model', value: route.metadata.annotations['aigw-scale/model'] });
      expect(rule.backendRefs).toEqual([{ name: route.metadata.annotations['aigw-scale/backend'] }]);
    }
  });

  test('apiVersion v1alpha1 is selectable and changes nothing else', () => {
    const [beta] = [...aiRouteManifests(props)];
    const [alpha] = [...aiRouteManifests({ ...props, apiVersion: 'v1alpha1' })];
    expect(beta.apiVersion).toBe('aigateway.envoyproxy.io/v1beta1');
    expect(alpha.apiVersion).toBe('aigateway.envoyproxy.io/v1alpha1');
    expect({ ...alpha, apiVersion: undefined }).toEqual({ ...beta, apiVersion: undefined });
  });

  test('adding routes never renames existing ones', () => {
    const names = (n: number) => [...aiRouteManifests({ ...props, routes: n })].map((r) => r.metadata.name);
    expect(names(120).slice(0, 100)).toEqual(names(100));
  });
});
