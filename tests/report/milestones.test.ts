import { milestoneTable } from '../../src/report/milestones';
import { quantile } from '../../src/report/stats';
import { summarize } from '../../src/report/summary';
import { renderMarkdown } from '../../src/report/markdown';
import { BenchResults, MilestoneRecord } from '../../src/results/schema';
import { makeResults, makeScenario } from './make-results';

const route = (i: number) => `AIGatewayRoute/bench/route-${String(i).padStart(6, '0')}`;

/** A tiny hand-made run: latencies known exactly. */
function handMade(milestones: MilestoneRecord[], extra: Partial<BenchResults> = {}): BenchResults {
  const { results } = makeResults({ routes: 3, warmUp: false });
  return { ...results, milestones, ...extra };
}

describe('per-milestone latency', () => {
  test('per route and incarnation, from the created of the same life; other kinds via `route`', () => {
    const t = 1_000_000;
    const results = handMade(
      [
        { object: route(1), milestone: 'created', clientTimeMs: t, serverTime: '2025-06-01T12:00:00Z' },
        { object: `HTTPRoute/bench/route-000001`, route: route(1), milestone: 'routeAccepted', clientTimeMs: t + 120.5, serverTime: '2025-06-01T12:00:01Z' },
        { object: route(1), milestone: 'ready', clientTimeMs: t + 900 },
        { object: route(1), milestone: 'deleted', clientTimeMs: t + 5000 },
        // second life: times count from its own create, not the first
        { object: route(1), milestone: 'created', clientTimeMs: t + 6000, incarnation: 2, serverTime: '2025-06-01T12:00:06Z' },
        { object: `HTTPRoute/bench/route-000001`, route: route(1), milestone: 'routeAccepted', clientTimeMs: t + 6040, incarnation: 2, serverTime: '2025-06-01T12:00:08Z' },
        { object: route(1), milestone: 'ready', clientTimeMs: t + 6700, incarnation: 2 },
        { object: route(2), milestone: 'created', clientTimeMs: t + 10 },
        { object: `HTTPRoute/bench/route-000002`, route: route(2), milestone: 'routeAccepted', clientTimeMs: t + 210 },
        // a later duplicate record of the same life does not count: the first one is the milestone
        { object: `HTTPRoute/bench/route-000002`, route: route(2), milestone: 'routeAccepted', clientTimeMs: t + 990 },
        { object: route(3), milestone: 'created', clientTimeMs: t + 20 },
        { object: route(3), milestone: 'timedOut', clientTimeMs: t + 60_020 },
      ],
      { scenario: makeScenario({ milestones: [{ name: 'routeAccepted', kind: 'HTTPRoute', condition: { type: 'Accepted', status: 'True', perParent: true } }] }) },
    );
    const table = milestoneTable(results);
    expect(table.lives.map((l) => `${l.route.split('/')[2]}#${l.incarnation}`)).toEqual(['route-000001#1', 'route-000002#1', 'route-000003#1', 'route-000001#2']);
    expect(table.declared).toEqual(['firstSuccess', 'ready', 'routeAccepted']);
    const accepted = table.latencies.find((l) => l.milestone === 'routeAccepted')!;
    expect(accepted).toMatchObject({ kinds: ['HTTPRoute'], reached: 3, missed: 1 });
    expect(accepted.client).toMatchObject({ count: 3, min: 40, max: 200, p50: 120.5 });
    expect(accepted.client!.p90).toBeCloseTo(quantile([120.5, 40, 200], 0.9)!, 10);
    // server view: only lives with both timestamps, at 1 s resolution
    expect(accepted.server).toMatchObject({ count: 2, min: 1000, max: 2000 });
    const ready = table.latencies.find((l) => l.milestone === 'ready')!;
    expect(ready).toMatchObject({ reached: 2, missed: 2 });
    expect(ready.client).toMatchObject({ min: 700, max: 900 });
    const firstSuccess = table.latencies.find((l) => l.milestone === 'firstSuccess')!;
    expect(firstSuccess).toMatchObject({ reached: 0, missed: 4 });
    expect(firstSuccess.client).toBeUndefined();
    expect(table.latencies.map((l) => l.milestone)).not.toContain('deleted');
  });

  test('synthetic churn: every life counts; the report shows p50/p90/p95/p99/max per milestone', () => {
    const scenario = makeScenario({ milestones: [{ name: 'routeAccepted', kind: 'HTTPRoute', condition: { type: 'Accepted', status: 'True', perParent: true } }] });
    const { results } = makeResults({ routes: 101, scenario, statusMilestones: [{ name: 'routeAccepted', kind: 'HTTPRoute', medianMs: 300 }], churn: { cycles: 2, share: 0.2 } });
    const s = summarize(results);
    const accepted = s.milestones.find((m) => m.milestone === 'routeAccepted')!;
    // 100 first lives + 2 cycles × 20 recreated routes
    expect(accepted.reached).toBe(140);
    expect(accepted.client!.p50).toBeGreaterThan(250);
    expect(accepted.client!.p50).toBeLessThan(350);
    expect(s.milestones.find((m) => m.milestone === 'ready')!.reached).toBe(140);
    expect(s.validity).toEqual({ valid: true, reasons: [] });
    expect(s.phases.filter((p) => p.phase === 'churn').map((p) => p.cycle)).toEqual([1, 2]);

    const md = renderMarkdown(results, s);
    expect(md).toContain('| milestone | kind | reached | missed | p50 | p90 | p95 | p99 | max |');
    expect(md).toMatch(/\| routeAccepted \| HTTPRoute \| 140 \| 0 \| \d{3} ms \| \d{3} ms \| \d{3} ms \| \d{3} ms \| \d[\d.]* (ms|s) \|/);
    expect(md).toMatch(/\| ready \| AIGatewayRoute \| 140 \| 0 \| [\d.]+ s \|/);
    expect(md).toContain('### Server-side view');
    expect(md).toMatch(/\| churn \(cycle 2\) \| [\d.]+ (s|min)/);
  });

  test('milestones of objects not tied to a route (the Gateway) are listed by object, and missing ones invalidate', () => {
    const gatewayMilestone = { name: 'gatewayProgrammed', kind: 'Gateway', condition: { type: 'Programmed', status: 'True', perParent: false } };
    const { results } = makeResults({ routes: 20, scenario: makeScenario({ milestones: [gatewayMilestone] }) });
    const withRecord = { ...results, milestones: [...results.milestones, { object: 'Gateway/bench/aigw-scale', milestone: 'gatewayProgrammed', clientTimeMs: results.phases[1].startMs + 2500 }] };
    const s = summarize(withRecord);
    expect(s.declaredMilestones).toEqual(['firstSuccess', 'ready']);
    expect(s.objectMilestones).toEqual([{ milestone: 'gatewayProgrammed', kind: 'Gateway', records: [expect.objectContaining({ object: 'Gateway/bench/aigw-scale' })] }]);
    expect(s.validity.valid).toBe(true);
    expect(renderMarkdown(withRecord, s)).toContain('| gatewayProgrammed | Gateway/bench/aigw-scale | 4.50 s | — |');
    expect(summarize(results).validity.reasons).toEqual(['milestone gatewayProgrammed (Gateway) was never reached by any object']);
  });
});
