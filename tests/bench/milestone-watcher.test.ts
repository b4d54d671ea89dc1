import { MilestoneSpecError, milestoneSatisfied } from '../../src/bench/milestone-watcher';
import type { MilestoneSpec } from '../../src/results/scenario';

const accepted: MilestoneSpec = { name: 'routeAccepted', kind: 'AIGatewayRoute', condition: { type: 'Accepted', status: 'True', perParent: false } };
const parentsAccepted: MilestoneSpec = { name: 'httpRouteAccepted', kind: 'HTTPRoute', condition: { type: 'Accepted', status: 'True', perParent: true } };
const condition = (type: string, status: string, lastTransitionTime?: string) => ({ type, status, ...(lastTransitionTime ? { lastTransitionTime } : {}) });

describe('milestoneSatisfied: conditions', () => {
  test('met by a condition with the wanted type and status; the server time is its lastTransitionTime', () => {
    const route = { status: { conditions: [condition('ResolvedRefs', 'True', '2026-01-01T00:00:01Z'), condition('Accepted', 'True', '2026-01-01T00:00:02Z')] } };
    expect(milestoneSatisfied(accepted, route)).toEqual({ met: true, serverTime: '2026-01-01T00:00:02Z' });
  });

  test('not met by another status, another type, or no status at all', () => {
    expect(milestoneSatisfied(accepted, { status: { conditions: [condition('Accepted', 'False', '2026-01-01T00:00:02Z')] } })).toEqual({ met: false });
    expect(milestoneSatisfied(accepted, { status: { conditions: [condition('ResolvedRefs', 'True')] } })).toEqual({ met: false });
    expect(milestoneSatisfied(accepted, { metadata: { name: 'route-000001' } })).toEqual({ met: false });
    expect(milestoneSatisfied(accepted, { status: {} })).toEqual({ met: false });
    expect(milestoneSatisfied(accepted, null)).toEqual({ met: false });
    expect(milestoneSatisfied(accepted, 'not an object')).toEqual({ met: false });
  });

  test('the wanted status need not be True', () => {
    const notReady: MilestoneSpec = { name: 'degraded', kind: 'Gateway', condition: { type: 'Programmed', status: 'False', perParent: false } };
    expect(milestoneSatisfied(notReady, { status: { conditions: [condition('Programmed', 'False')] } })).toEqual({ met: true });
    expect(milestoneSatisfied(notReady, { status: { conditions: [condition('Programmed', 'True')] } })).toEqual({ met: false });
  });

  test('conditions under status.parents are ignored unless perParent is set', () => {
    const httpRoute = { status: { parents: [{ conditions: [condition('Accepted', 'True')] }] } };
    expect(milestoneSatisfied(accepted, httpRoute).met).toBe(false);
    expect(milestoneSatisfied(parentsAccepted, httpRoute).met).toBe(true);
  });
});

describe('milestoneSatisfied: per parent', () => {
  const parent = (name: string, ...conditions: object[]) => ({ parentRef: { name }, controllerName: 'example.com/controller', conditions });

  test('every parent must have the condition; the server time is the latest transition across parents', () => {
    const both = { status: { parents: [parent('a', condition('Accepted', 'True', '2026-01-01T00:00:05Z')), parent('b', condition('Accepted', 'True', '2026-01-01T00:00:09Z'))] } };
    expect(milestoneSatisfied(parentsAccepted, both)).toEqual({ met: true, serverTime: '2026-01-01T00:00:09Z' });
    const reversed = { status: { parents: [...both.status.parents].reverse() } };
    expect(milestoneSatisfied(parentsAccepted, reversed)).toEqual({ met: true, serverTime: '2026-01-01T00:00:09Z' });
  });

  test('one parent without it, or with another status, is not met', () => {
    expect(milestoneSatisfied(parentsAccepted, { status: { parents: [parent('a', condition('Accepted', 'True')), parent('b')] } }).met).toBe(false);
    expect(milestoneSatisfied(parentsAccepted, { status: { parents: [parent('a', condition('Accepted', 'True')), parent('b', condition('Accepted', 'False'))] } }).met).toBe(false);
    expect(milestoneSatisfied(parentsAccepted, { status: { parents: [parent('a', condition('Accepted', 'True')), { parentRef: { name: 'b' } }] } }).met).toBe(false);
  });

  test('no parents at all is not met', () => {
    expect(milestoneSatisfied(parentsAccepted, { status: { parents: [] } }).met).toBe(false);
    expect(milestoneSatisfied(parentsAccepted, { status: {} }).met).toBe(false);
    expect(milestoneSatisfied(parentsAccepted, {}).met).toBe(false);
  });

  test('met without a server time when no parent gives a lastTransitionTime', () => {
    expect(milestoneSatisfied(parentsAccepted, { status: { parents: [parent('a', condition('Accepted', 'True'))] } })).toEqual({ met: true });
  });
});

describe('milestoneSatisfied: paths', () => {
  const addresses: MilestoneSpec = { name: 'addressed', kind: 'Gateway', path: 'status.addresses' };
  const phase: MilestoneSpec = { name: 'running', kind: 'Pod', path: 'status.phase', equals: 'Running' };

  test('a path is met when its value exists', () => {
    expect(milestoneSatisfied(addresses, { status: { addresses: [{ type: 'IPAddress', value: '10.0.0.1' }] } })).toEqual({ met: true });
    expect(milestoneSatisfied({ ...addresses, path: 'status.observedGeneration' }, { status: { observedGeneration: 0 } })).toEqual({ met: true });
    expect(milestoneSatisfied({ ...addresses, path: 'status.ready' }, { status: { ready: false } })).toEqual({ met: true });
  });

  test('a missing, null or empty-list value is not met', () => {
    expect(milestoneSatisfied(addresses, { status: {} }).met).toBe(false);
    expect(milestoneSatisfied(addresses, { status: { addresses: null } }).met).toBe(false);
    expect(milestoneSatisfied(addresses, { status: { addresses: [] } }).met).toBe(false);
    expect(milestoneSatisfied(addresses, {}).met).toBe(false);
    expect(milestoneSatisfied(addresses, { status: 'addresses' }).met).toBe(false);
  });

  test('with equals, the value must be strictly equal (no type coercion)', () => {
    expect(milestoneSatisfied(phase, { status: { phase: 'Running' } }).met).toBe(true);
    expect(milestoneSatisfied(phase, { status: { phase: 'Pending' } }).met).toBe(false);
    expect(milestoneSatisfied(phase, {}).met).toBe(false);
    const replicas: MilestoneSpec = { name: 'scaled', kind: 'Deployment', path: 'status.readyReplicas', equals: 3 };
    expect(milestoneSatisfied(replicas, { status: { readyReplicas: 3 } }).met).toBe(true);
    expect(milestoneSatisfied(replicas, { status: { readyReplicas: '3' } }).met).toBe(false);
    const flag: MilestoneSpec = { name: 'off', kind: 'X', path: 'status.enabled', equals: false };
    expect(milestoneSatisfied(flag, { status: { enabled: false } }).met).toBe(true);
    expect(milestoneSatisfied(flag, { status: {} }).met).toBe(false);
  });

  test('list elements are addressed by index', () => {
    const first: MilestoneSpec = { name: 'ip', kind: 'Gateway', path: 'status.addresses.0.value', equals: '10.0.0.1' };
    expect(milestoneSatisfied(first, { status: { addresses: [{ value: '10.0.0.1' }] } }).met).toBe(true);
    expect(milestoneSatisfied(first, { status: { addresses: [{ value: '10.0.0.2' }] } }).met).toBe(false);
  });

  test('a condition and a path together must both hold', () => {
    const both: MilestoneSpec = { ...accepted, path: 'status.observedGeneration', equals: 2 };
    const conditions = [condition('Accepted', 'True', '2026-01-01T00:00:02Z')];
    expect(milestoneSatisfied(both, { status: { conditions, observedGeneration: 2 } })).toEqual({ met: true, serverTime: '2026-01-01T00:00:02Z' });
    expect(milestoneSatisfied(both, { status: { conditions, observedGeneration: 1 } }).met).toBe(false);
  });
});

test('a spec with neither a condition nor a path is rejected with the fix', () => {
  expect(() => milestoneSatisfied({ name: 'nothing', kind: 'HTTPRoute' }, {})).toThrow(MilestoneSpecError);
  expect(() => milestoneSatisfied({ name: 'nothing', kind: 'HTTPRoute' }, {})).toThrow(/neither a condition nor a path; add/);
});
