import { clampToCreated } from '../../src/bench/run-record';
import { MilestoneRecord } from '../../src/results/schema';

describe('milestones seen before the create returned', () => {
  // A watch event can arrive while the create's response is still on its way: the status was written after the
  // object existed, so the earliest the run can say it was reached is when the create returned.
  const created: MilestoneRecord = { object: 'AIGatewayRoute/ns/route-000002', milestone: 'created', clientTimeMs: 1000, incarnation: 1 };
  const early: MilestoneRecord = { object: 'AIGatewayRoute/ns/route-000002', milestone: 'aiGatewayRouteAccepted', clientTimeMs: 994, serverTime: '2026-11-29T10:00:00Z', incarnation: 1 };
  const earlyHttpRoute: MilestoneRecord = { object: 'HTTPRoute/ns/route-000002', route: 'AIGatewayRoute/ns/route-000002', milestone: 'httpRouteAccepted', clientTimeMs: 998, incarnation: 1 };
  const later: MilestoneRecord = { object: 'AIGatewayRoute/ns/route-000002', milestone: 'ready', clientTimeMs: 1500, incarnation: 1 };
  const otherLife: MilestoneRecord = { object: 'AIGatewayRoute/ns/route-000002', milestone: 'aiGatewayRouteAccepted', clientTimeMs: 900, incarnation: 2 };

  test('are recorded at the create, keeping their server time; later ones and other lives are left as they are', () => {
    expect(clampToCreated([early, created, earlyHttpRoute, later, otherLife])).toEqual([
      { ...early, clientTimeMs: 1000 },
      created,
      { ...earlyHttpRoute, clientTimeMs: 1000 },
      later,
      otherLife,
    ]);
  });
});
