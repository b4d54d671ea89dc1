import { churnVictims, provisionStages } from '../../src/bench/load-shape';

describe('provisionStages', () => {
  test('all at once: every route after the warm-up in one stage', () => {
    expect(provisionStages({ type: 'all-at-once' }, 10, 1)).toEqual([{ from: 2, to: 10 }]);
  });

  test('batches: fixed-size ranges, the last one short', () => {
    expect(provisionStages({ type: 'batches', batchSize: 4, intervalMs: 500 }, 10, 1)).toEqual([
      { from: 2, to: 5, intervalMs: 500 },
      { from: 6, to: 9, intervalMs: 500 },
      { from: 10, to: 10, intervalMs: 500 },
    ]);
  });

  test('steps: cumulative targets become ranges, numbered from 1, with their holds', () => {
    const healthGate = { maxErrorRate: 0.05, controllersReady: true, timeoutMs: 1000 };
    const steps = [
      { routes: 5, holdMs: 100 },
      { routes: 12, holdMs: 0 },
      { routes: 20, holdMs: 300 },
    ];
    expect(provisionStages({ type: 'steps', steps, healthGate }, 20, 1)).toEqual([
      { from: 2, to: 5, step: 1, holdMs: 100 },
      { from: 6, to: 12, step: 2, holdMs: 0 },
      { from: 13, to: 20, step: 3, holdMs: 300 },
    ]);
  });

  test('nothing to provision when the warm-up covers the fixture', () => {
    expect(provisionStages({ type: 'all-at-once' }, 1, 1)).toEqual([]);
  });
});

describe('churnVictims', () => {
  const routes = Array.from({ length: 10 }, (_, i) => i + 1);

  test('takes the share, spread evenly over the list', () => {
    expect(churnVictims(routes, 0.2, 1)).toEqual([1, 6]);
    expect(churnVictims(routes, 0.5, 1)).toEqual([1, 3, 5, 7, 9]);
  });

  test('rotates by one place per cycle, so successive cycles touch different routes', () => {
    expect(churnVictims(routes, 0.2, 2)).toEqual([2, 7]);
    expect(churnVictims(routes, 0.2, 3)).toEqual([3, 8]);
    expect(churnVictims(routes, 0.5, 2)).toEqual([2, 4, 6, 8, 10]);
  });

  test('never empty for a tiny share, never more than every route, never a route twice', () => {
    expect(churnVictims(routes, 0.01, 1)).toEqual([1]);
    const all = churnVictims(routes, 1, 4);
    expect(all).toHaveLength(10);
    expect(new Set(all).size).toBe(10);
    expect(churnVictims([], 0.5, 1)).toEqual([]);
  });
});
