import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseGrpcMessageLimit } from '../../charts/helm-values';
import { BUNDLE_PARTS, BUNDLE_PART_BYTES, CALIBRATION, LEGACY_SECRET_LIMIT_BYTES, filterConfigBytesPerRoute, knobFor, planConfigSize } from '../../src/plan/config-size';

const base = { routes: 2000, backends: 10, headerMutations: 0, namespace: 'aigw-scale', grpcMaxMessageBytes: 25 * 2 ** 20 };

/** What `npm run bench:grpc-limit -- --calibration tests/plan/measured-sizes.json` measured against the real controllers. */
interface Measured {
  readonly writtenBy: string;
  readonly measured: readonly {
    readonly name: string;
    readonly namespace: string;
    readonly grpcMaxMessageSize: string;
    readonly backends: number;
    readonly headerMutations: number;
    readonly failedAt?: number;
    readonly sizes: Readonly<Record<string, { filterConfigBytes?: number; extensionRequestBytes?: number; extensionResponseBytes?: number }>>;
  }[];
}
const measured = JSON.parse(fs.readFileSync(path.join(__dirname, 'measured-sizes.json'), 'utf8')) as Measured;

describe('the plan held against the real controllers (tests/plan/measured-sizes.json)', () => {
  const cases = measured.measured.flatMap((m) => Object.entries(m.sizes).map(([routes, sizes]) => ({ m, routes: Number(routes), sizes })));

  test('the measurements cover 100, 500, 1,000 and 2,000 routes, and every configuration of the benchmark', () => {
    expect(new Set(cases.map((c) => c.routes))).toEqual(new Set([100, 500, 1000, 2000]));
    expect(measured.measured.length).toBeGreaterThanOrEqual(2);
  });

  test.each(cases.map((c) => [c.m.name, c.routes, c] as const))('%s at %d routes: filter config and both extension messages within 10 %%', (_name, routes, { m, sizes }) => {
    const plan = planConfigSize({ routes, backends: m.backends, headerMutations: m.headerMutations, namespace: m.namespace, grpcMaxMessageBytes: parseGrpcMessageLimit(m.grpcMaxMessageSize).bytes });
    const within = (predicted: number, actual: number | undefined) => (actual === undefined ? undefined : Math.abs(predicted - actual) / actual <= 0.1);
    expect({
      filterConfig: within(plan.filterConfigBytes, sizes.filterConfigBytes),
      request: within(plan.extensionRequestBytes, sizes.extensionRequestBytes),
      response: within(plan.extensionResponseBytes, sizes.extensionResponseBytes),
    }).toEqual({
      filterConfig: sizes.filterConfigBytes === undefined ? undefined : true,
      request: sizes.extensionRequestBytes === undefined ? undefined : true,
      response: sizes.extensionResponseBytes === undefined ? undefined : true,
    });
  });

  test('where a search failed on the gRPC limit, the plan names it as the first limit that breaks routing, within 10 % of the route count', () => {
    for (const m of measured.measured.filter((x) => x.failedAt !== undefined)) {
      const plan = planConfigSize({ routes: m.failedAt!, backends: m.backends, headerMutations: m.headerMutations, namespace: m.namespace, grpcMaxMessageBytes: parseGrpcMessageLimit(m.grpcMaxMessageSize).bytes });
      expect([m.name, plan.firstBlockingLimit.name.startsWith('extension-')]).toEqual([m.name, true]);
      expect([m.name, Math.abs(plan.firstBlockingLimit.crossedAtRoutes - m.failedAt!) / m.failedAt! <= 0.1]).toEqual([m.name, true]);
    }
  });
});

describe('planConfigSize', () => {
  test('grows linearly with routes; header mutations never make it smaller', () => {
    const small = planConfigSize({ ...base, routes: 1000 });
    const large = planConfigSize({ ...base, routes: 2000 });
    expect(large.filterConfigBytes - small.filterConfigBytes).toBe(1000 * small.filterConfigBytesPerRoute);
    expect(planConfigSize({ ...base, headerMutations: 4 }).filterConfigBytesPerRoute).toBeGreaterThanOrEqual(large.filterConfigBytesPerRoute);
  });

  test("another Gateway's routes count on the controllers, not against this Gateway's limits", () => {
    const alone = planConfigSize(base);
    const mixed = planConfigSize({ ...base, otherRoutes: 2000 });
    expect(alone.controllerRoutes).toBe(base.routes);
    expect(mixed.controllerRoutes).toBe(base.routes + 2000);
    expect(mixed.limits).toEqual(alone.limits);
  });

  test('the crossing route count is where the prediction first exceeds the limit', () => {
    const plan = planConfigSize(base);
    for (const limit of plan.limits) {
      const at = planConfigSize({ ...base, routes: limit.crossedAtRoutes }).limits.find((l) => l.name === limit.name)!;
      const before = planConfigSize({ ...base, routes: limit.crossedAtRoutes - 1 }).limits.find((l) => l.name === limit.name)!;
      expect(at.crossed).toBe(true);
      expect(before.crossed).toBe(false);
    }
    expect(plan.limits.map((l) => l.limitBytes)).toEqual([LEGACY_SECRET_LIMIT_BYTES, BUNDLE_PART_BYTES * BUNDLE_PARTS, base.grpcMaxMessageBytes, base.grpcMaxMessageBytes]);
  });

  test('at 4 MiB the extension response is the first limit and blocks 2,000 routes, with the knob that clears it; 25 MiB does not block', () => {
    const tight = planConfigSize({ ...base, grpcMaxMessageBytes: 4 * 2 ** 20 });
    expect(tight.firstLimit.name).toBe('extension-response');
    expect(tight.firstLimit.crossedAtRoutes).toBeLessThanOrEqual(2000);
    expect(tight.blocking).toBe(true);
    const knob = parseGrpcMessageLimit(tight.firstLimit.knobToClear!).bytes;
    expect(planConfigSize({ ...base, grpcMaxMessageBytes: knob }).blocking).toBe(false);
    expect(planConfigSize(base).blocking).toBe(false);
  });

  test('the knob that clears a size leaves 10 % headroom, in whole MiB', () => {
    expect(knobFor(10 * 2 ** 20)).toBe('11Mi');
    expect(knobFor(2 ** 20)).toBe('2Mi');
  });

  test('longer namespaces and wider numbers cost filter-config bytes', () => {
    expect(filterConfigBytesPerRoute({ ...base, namespace: `${CALIBRATION.namespace}-longer` })).toBe(filterConfigBytesPerRoute({ ...base, namespace: CALIBRATION.namespace }) + 7);
    expect(filterConfigBytesPerRoute({ ...base, routes: 2_000_000 })).toBeGreaterThan(filterConfigBytesPerRoute(base));
  });
});
