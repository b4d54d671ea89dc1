import { CrdValidator } from '../support/crd-validator';
import { K8sObject, synthFixture } from '../support/fixture';

/** Core kinds have no CRD; everything else the fixture emits must be checked against one. */
const CORE_KINDS = new Set(['Namespace', 'Secret']);

describe('synthesized objects against the real CRD schemas', () => {
  const validator = new CrdValidator();
  const fixtures: [string, K8sObject[]][] = [
    ['defaults, 2,000 routes', synthFixture({ routes: 2000, backends: 10 })],
    ['every option on', synthFixture({ routes: 20, backends: 3, headerMutations: 16, connectionBufferLimit: '32Mi', apiKeyAuth: true, providerHost: 'mock.example.com', envoyServiceType: 'NodePort' })],
    ['v1alpha1 routes', synthFixture({ routes: 5, routeApiVersion: 'v1alpha1' })],
  ];

  test.each(fixtures)('%s: every object is valid', (_name, objects) => {
    const problems = objects
      .filter((o) => !CORE_KINDS.has(o.kind))
      .flatMap((o) => validator.validate(o).map((p) => `${o.kind}/${o.metadata.name} ${p}`));
    expect(problems).toEqual([]);
  });

  test('every non-core kind the fixture emits has a CRD', () => {
    const kinds = new Set(fixtures.flatMap(([, objects]) => objects).filter((o) => !CORE_KINDS.has(o.kind)).map((o) => `${o.apiVersion}/${o.kind}`));
    expect([...kinds].filter((key) => !validator.knows(key.slice(0, key.lastIndexOf('/')), key.slice(key.lastIndexOf('/') + 1)))).toEqual([]);
    expect(kinds.size).toBeGreaterThanOrEqual(8);
  });

  // The validator must be able to fail, or the test above proves nothing.
  const [route] = synthFixture({ routes: 1 }).filter((o) => o.kind === 'AIGatewayRoute');
  test.each([
    ['16 rules (max 15)', { ...route, spec: { ...route.spec, rules: Array.from({ length: 16 }, () => route.spec.rules[0]) } }, /rules: must NOT have more than 15 items/],
    ['a misspelled field', { ...route, spec: { ...route.spec, rule: [] } }, /must NOT have additional properties/],
    ['a missing required field', { ...route, spec: { parentRefs: route.spec.parentRefs } }, /must have required property 'rules'/],
    ['a wrong type', { ...route, spec: { ...route.spec, rules: 'all' } }, /rules: must be array/],
  ])('rejects an AIGatewayRoute with %s', (_name, object, message) => {
    expect(validator.validate(object).join('\n')).toMatch(message);
  });

  test('int-or-string fields take both forms', () => {
    const policy = synthFixture({ routes: 1, connectionBufferLimit: '32Mi' }).find((o) => o.kind === 'ClientTrafficPolicy')!;
    expect(validator.validate(policy)).toEqual([]);
    expect(validator.validate({ ...policy, spec: { ...policy.spec, connection: { bufferLimit: 33554432 } } })).toEqual([]);
    expect(validator.validate({ ...policy, spec: { ...policy.spec, connection: { bufferLimit: true } } })).not.toEqual([]);
  });
});
