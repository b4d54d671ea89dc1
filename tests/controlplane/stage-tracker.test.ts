import { StageOutcome, StageRecord, StageTracker, TrackedRoute } from '../../src/controlplane/stage-tracker';

const route = (i: number, incarnation = 1): TrackedRoute => ({
  object: `AIGatewayRoute/bench/route-${String(i).padStart(6, '0')}`,
  key: `bench/route-${String(i).padStart(6, '0')}`,
  model: `model-${String(i).padStart(6, '0')}`,
  incarnation,
});

function tracker(timeoutMs = 60_000) {
  const records: StageRecord[] = [];
  const outcomes: StageOutcome[] = [];
  const t = new StageTracker((r) => records.push(r), (o) => outcomes.push(o), timeoutMs);
  return { t, records, outcomes };
}

describe('StageTracker', () => {
  it('records each stage once, in the order observed, and is ready at the later of xDS and extproc', () => {
    const { t, records, outcomes } = tracker();
    const r = route(1);
    t.add(r, 1000);
    t.observe('filterConfig', 1100, new Set([r.model]));
    t.observe('filterConfig', 1150, new Set([r.model, 'model-000002'])); // seen already: not again
    t.observe('extprocLoaded', 1300, new Set([r.model]));
    expect(outcomes).toEqual([]);
    t.observe('xdsServed', 1200.5, new Set([r.key])); // arrival order differs from time order
    expect(records.map((x) => [x.milestone, x.clientTimeMs])).toEqual([
      ['filterConfig', 1100],
      ['extprocLoaded', 1300],
      ['xdsServed', 1200.5],
    ]);
    expect(outcomes).toEqual([{ route: r, kind: 'ready', atMs: 1300 }]);
    expect(t.pending).toBe(0);
  });

  it('keys xDS by namespace/name and the other stages by model: a model in xDS does not count', () => {
    const { t, records } = tracker();
    const r = route(2);
    t.add(r, 0);
    t.observe('xdsServed', 10, new Set([r.model]));
    t.observe('extprocLoaded', 10, new Set([r.key]));
    expect(records).toEqual([]);
    expect(t.pending).toBe(1);
  });

  it('a recreated route counts a stage only after that stage let its earlier life go', () => {
    const { t, records, outcomes } = tracker();
    const first = route(3, 1);
    t.add(first, 0);
    t.observe('xdsServed', 1, new Set([first.key]));
    t.observe('extprocLoaded', 2, new Set([first.model]));
    expect(outcomes.map((o) => o.kind)).toEqual(['ready']);
    t.remove(first);
    const second = route(3, 2);
    t.add(second, 100); // xDS and extproc still hold the first life
    t.observe('xdsServed', 101, new Set([second.key]));
    t.observe('extprocLoaded', 102, new Set([second.model]));
    expect(outcomes).toHaveLength(1);
    t.observe('xdsServed', 103, new Set());
    t.observe('xdsServed', 104, new Set([second.key]));
    t.observe('extprocLoaded', 105, new Set());
    t.observe('extprocLoaded', 106, new Set([second.model]));
    expect(outcomes[1]).toEqual({ route: second, kind: 'ready', atMs: 106 });
    expect(records.filter((x) => x.incarnation === 2).map((x) => [x.milestone, x.clientTimeMs])).toEqual([
      ['xdsServed', 104],
      ['extprocLoaded', 106],
    ]);
  });

  it('records when each stage lets a deleted route go, and only stages that held it', () => {
    const { t, records } = tracker();
    const r = route(4);
    t.add(r, 0);
    t.observe('filterConfig', 1, new Set([r.model]));
    t.observe('xdsServed', 2, new Set([r.key]));
    t.observe('extprocLoaded', 3, new Set([r.model]));
    t.remove(r);
    expect(t.removing).toBe(1);
    t.observe('xdsServed', 10, new Set());
    t.observe('filterConfig', 11, new Set());
    expect(t.removing).toBe(1);
    t.observe('extprocLoaded', 12, new Set(['other']));
    expect(t.removing).toBe(0);
    expect(records.slice(3).map((x) => [x.milestone, x.clientTimeMs])).toEqual([
      ['xdsServedRemoved', 10],
      ['filterConfigRemoved', 11],
      ['extprocLoadedRemoved', 12],
    ]);
  });

  it('times out a route that never reaches every ready stage, naming what is missing; idle() then resolves', async () => {
    const { t, outcomes } = tracker(50);
    const r = route(5);
    t.add(r);
    t.observe('filterConfig', performance.timeOrigin + performance.now(), new Set([r.model]));
    t.observe('xdsServed', performance.timeOrigin + performance.now(), new Set([r.key]));
    await t.idle();
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0].kind).toBe('timedOut');
    expect(outcomes[0].missing).toEqual(['extprocLoaded']);
    t.stop();
  });

  it('a stage time before the route was added counts as the add time (the clock cannot run backwards)', () => {
    const { t, outcomes } = tracker();
    const r = route(6);
    t.add(r, 500);
    t.observe('xdsServed', 400, new Set([r.key]));
    t.observe('extprocLoaded', 450, new Set([r.model]));
    expect(outcomes[0].atMs).toBe(500);
  });
});
