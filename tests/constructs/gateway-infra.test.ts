import { Chart, Testing } from 'cdk8s';
import { GatewayInfra } from '../../constructs/gateway-infra';

const synth = (props: Partial<ConstructorParameters<typeof GatewayInfra>[2]> = {}) => {
  const chart = new Chart(Testing.app(), 'test');
  new GatewayInfra(chart, 'Gateway', { fixtureId: 'fx', namespace: 'bench', ...props });
  return Testing.synth(chart);
};

describe('GatewayInfra', () => {
  test('a GatewayClass bound to Envoy Gateway and an HTTP Gateway (snapshot)', () => {
    expect(synth()).toMatchSnapshot();
  });

  test('the GatewayClass carries the fixture id in its name and the Gateway uses it', () => {
    const [gatewayClass, gateway] = synth({ fixtureId: 'one' });
    expect(gatewayClass.metadata.name).toBe('aigw-scale-one');
    expect(gatewayClass.spec.controllerName).toBe('gateway.envoyproxy.io/gatewayclass-controller');
    expect(gateway.spec.gatewayClassName).toBe('aigw-scale-one');
    expect(gateway.spec.listeners).toEqual([{ name: 'http', protocol: 'HTTP', port: 80 }]);
  });

  test('a buffer limit adds a ClientTrafficPolicy targeting the Gateway', () => {
    const objects = synth({ gatewayName: 'gw', connectionBufferLimit: '32Mi', listenerPort: 8080 });
    expect(objects).toHaveLength(3);
    expect(objects[1].spec.listeners[0].port).toBe(8080);
    expect(objects[2]).toMatchObject({
      kind: 'ClientTrafficPolicy',
      metadata: { name: 'gw-buffer-limit', namespace: 'bench' },
      spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }], connection: { bufferLimit: '32Mi' } },
    });
  });
});
