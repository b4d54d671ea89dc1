import { BUNDLE_PARTS, BUNDLE_PART_BYTES, LEGACY_SECRET_LIMIT_BYTES, filterConfigBytesPerRoute, planConfigSize } from '../../src/plan/config-size';

const base = { routes: 2000, backends: 10, headerMutations: 0, namespace: 'aigw-scale', grpcMaxMessageBytes: 25 * 2 ** 20 };

describe('planConfigSize', () => {
  test('≈210 B of filter config per route at default names, as the filterapi format implies', () => {
    const perRoute = filterConfigBytesPerRoute(base);
    expect(perRoute).toBeGreaterThan(190);
    expect(perRoute).toBeLessThan(240);
  });

  test('grows linearly with routes and with header mutations', () => {
    const small = planConfigSize({ ...base, routes: 1000 });
    const large = planConfigSize({ ...base, routes: 2000 });
    expect(large.filterConfigBytes - small.filterConfigBytes).toBe(1000 * small.filterConfigBytesPerRoute);
    expect(planConfigSize({ ...base, headerMutations: 4 }).filterConfigBytesPerRoute).toBeGreaterThan(large.filterConfigBytesPerRoute + 4 * 20);
  });

  test('the crossing route count is where the prediction first exceeds the limit', () => {
    const plan = planConfigSize(base);
    for (const limit of plan.limits) {
      const at = planConfigSize({ ...base, routes: limit.crossedAtRoutes }).limits.find((l) => l.name === limit.name)!;
      const before = planConfigSize({ ...base, routes: limit.crossedAtRoutes - 1 }).limits.find((l) => l.name === limit.name)!;
      expect(at.crossed).toBe(true);
      expect(before.crossed).toBe(false);
    }
    expect(plan.limits.map((l) => l.limitBytes)).toEqual([LEGACY_SECRET_LIMIT_BYTES, BUNDLE_PART_BYTES * BUNDLE_PARTS, base.grpcMaxMessageBytes]);
  });

  test('at 4 MiB the extension message is the first limit and blocks 2,000 routes; 25 MiB does not', () => {
    const tight = planConfigSize({ ...base, grpcMaxMessageBytes: 4 * 2 ** 20 });
    expect(tight.firstLimit.name).toBe('extension-grpc');
    expect(tight.firstLimit.crossedAtRoutes).toBeLessThanOrEqual(2000);
    expect(tight.blocking).toBe(true);
    const raised = planConfigSize(base);
    expect(raised.blocking).toBe(false);
    expect(raised.firstLimit.name).toBe('legacy-secret'); // informational: the part Secrets take over
  });

  test('longer namespaces and wider numbers cost bytes', () => {
    expect(filterConfigBytesPerRoute({ ...base, namespace: 'a-much-longer-namespace' })).toBeGreaterThan(filterConfigBytesPerRoute(base));
    expect(filterConfigBytesPerRoute({ ...base, routes: 2_000_000 })).toBeGreaterThan(filterConfigBytesPerRoute(base));
  });
});
