import * as YAML from 'yaml';
import { manifestToYaml } from '../../src/synth/manifest-yaml';
import { synthFixture } from '../support/fixture';

const roundTrip = (value: Record<string, unknown>) => YAML.parse(manifestToYaml(value));

describe('manifestToYaml', () => {
  test('puts apiVersion, kind and metadata first and sorts every other key', () => {
    const yaml = manifestToYaml({ spec: { b: 1, a: 2 }, metadata: { name: 'x' }, kind: 'K', apiVersion: 'v1', data: {} });
    expect(yaml).toBe('apiVersion: v1\nkind: K\nmetadata:\n  name: x\ndata: {}\nspec:\n  a: 2\n  b: 1\n');
  });

  test.each([
    'true', 'False', 'yes', 'no', 'on', 'off', 'y', 'N', 'null', '~', '', ' ', '0', '007', '1e3', '-1', '.5', '0x1F', '32Mi',
    'a: b', 'a #b', '#x', '- x', '[x]', '{x}', '*x', '&x', '!x', '%x', '@x', '`x', '|', '>', "'q'", '"q"', 'line\nbreak', 'tab\tx',
    'ünïcode', '2026-11-25', '12:30', 'x-ai-eg-model', 'gateway.envoyproxy.io/gatewayclass-controller',
  ])('the string %j reads back as itself', (text) => {
    expect(roundTrip({ apiVersion: 'v1', kind: 'K', metadata: { name: 'n' }, value: text, list: [text], map: { [text || 'k']: text } })).toEqual({
      apiVersion: 'v1', kind: 'K', metadata: { name: 'n' }, value: text, list: [text], map: { [text || 'k']: text },
    });
  });

  test('numbers, booleans, empty and nested collections read back', () => {
    const value = { apiVersion: 'v1', kind: 'K', metadata: { name: 'n' }, n: [1, -2.5, 0, true, false], e: { a: [], b: {} }, deep: [[1, [2]], [{ a: 1, b: [{ c: 'd' }] }]] };
    expect(roundTrip(value)).toEqual(value);
  });

  test('drops null and undefined fields, as cdk8s does', () => {
    expect(roundTrip({ apiVersion: 'v1', kind: 'K', metadata: { name: 'n', labels: undefined }, a: null, b: { c: undefined } })).toEqual({
      apiVersion: 'v1', kind: 'K', metadata: { name: 'n' }, b: {},
    });
  });

  test('refuses non-finite numbers', () => {
    expect(() => manifestToYaml({ apiVersion: 'v1', kind: 'K', metadata: { name: 'n' }, n: Infinity })).toThrow(/non-finite/);
  });

  test('matches the key order cdk8s synthesizes, for every object of a fixture', () => {
    const objects = synthFixture({ routes: 30, backends: 3, headerMutations: 2, apiKeyAuth: true, connectionBufferLimit: '1Mi' });
    for (const object of objects) {
      const ours = manifestToYaml(object);
      expect(YAML.parse(ours)).toEqual(object);
      expect(Object.keys(YAML.parse(ours))).toEqual(Object.keys(object));
    }
  });
});
