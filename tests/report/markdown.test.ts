import { renderMarkdown } from '../../src/report/markdown';
import { summarize } from '../../src/report/summary';
import { formatMs } from '../../src/report/format';
import { makeResults, makeScenario } from './make-results';

describe('renderMarkdown', () => {
  const { results } = makeResults({ routes: 500, timedOut: 3, failedCreates: 2, seed: 4 });
  const md = renderMarkdown(results);
  const s = summarize(results);

  test('title with run id, date and mode; settings', () => {
    expect(md.split('\n')[0]).toBe('# aigw-scale report — run synthetic-4');
    expect(md).toContain('started 2025-06-01T12:00:00.000Z · mode cluster · 500 routes');
    expect(md).toContain('| routes (AIGatewayRoutes) | 500 (1 warm-up, 499 timed) |');
    expect(md).toContain('| provisioning | batches of 50 every 1.00 s |');
    expect(md).toContain('| per-route timeout | 60.0 s |');
  });

  test('a stepped ramp names its steps', () => {
    const steps = makeScenario({ load: { concurrency: 16, shape: { type: 'steps', steps: [{ routes: 100, holdMs: 0 }, { routes: 500, holdMs: 0 }], healthGate: { maxErrorRate: 0.05, controllersReady: true, timeoutMs: 60_000 } } } });
    const stepped = { ...results, scenario: steps, settings: { ...results.settings, provisioning: { mode: 'steps' as const } } };
    expect(renderMarkdown(stepped)).toContain('| provisioning | steps to 100 → 500 routes |');
  });

  test('the headline answers: how many ready, how fast, memory per route per component', () => {
    expect(md).toContain('- **Routes ready:** 494 of 499 timed (99.0 %); 3 timed out (after 60.0 s) and 2 failed.');
    expect(md).toContain(`- **Time to first success:** p50 ${formatMs(s.ttfs!.p50)}, p99 ${formatMs(s.ttfs!.p99)} (max ${formatMs(s.ttfs!.max)}) over 494 ready routes`);
    expect(md).toMatch(/- \*\*Memory per route:\*\* Envoy Gateway controller 1[12]\.\d\d KiB\/route, AI Gateway controller (9|10)\.\d\d KiB\/route and Envoy proxy (19|20)\.\d\d KiB\/route\./);
  });

  test('TTFS and resources tables', () => {
    const t = s.ttfs!;
    expect(md).toContain(`| 494 | 3 | 2 | ${[t.p50, t.p90, t.p95, t.p99, t.max, t.mean].map(formatMs).join(' | ')} |`);
    expect(md).toMatch(/\| Envoy Gateway controller \| \d+ \| \d+ m \| \d+ m \| 9\d\.\d MiB \| 9\d\.\d MiB \| 1[12]\.\d\d KiB\/route \| r² 0\.9\d|1\.00/);
  });

  test('failures: listed, each with phase and object', () => {
    expect(md).toContain('## Failures (5)');
    expect(md).toMatch(/- provision · AIGatewayRoute\/bench\/route-\d{6}: HTTP 422/);
    expect(md).toContain('## Environment and versions');
    expect(md).toContain('| envoy-gateway | v1.5.0 |');
  });

  test('more than 20 failures: the first 20 and a count', () => {
    const extraFailures = Array.from({ length: 30 }, (_, i) => ({ phase: 'validate' as const, message: `sampling: error ${i} | with a pipe` }));
    const out = renderMarkdown(makeResults({ routes: 30, extraFailures }).results);
    expect(out).toContain('## Failures (30)');
    expect(out).toContain('- validate: sampling: error 19 | with a pipe');
    expect(out).not.toContain('error 20 ');
    expect(out).toContain('- … and 10 more (all of them are in results.json)');
  });

  test('absent data renders as "not measured", never 0', () => {
    const out = renderMarkdown(makeResults({ routes: 50, components: ['envoy-gateway'], withoutCpu: ['envoy-gateway'] }).results);
    expect(out).toContain('| Envoy proxy | 0 | not measured | not measured | not measured | not measured | not measured | memory not measured |');
    expect(out).toMatch(/\| Envoy Gateway controller \| \d+ \| not measured \| not measured \| \d+\.\d MiB/);
    expect(out).toContain('AI Gateway controller not measured and Envoy proxy not measured.');
    expect(out).not.toMatch(/\| 0 m \|| 0\.0 MiB|0 B\/route/);
    expect(out).toContain('## Not measured');
    expect(out).toContain('- envoy-proxy: no CPU or memory samples (no pods found, or no metrics source)'); // the runner's line, not repeated
    expect(out).not.toContain('envoy-proxy: never sampled');
    expect(out).toContain('- envoy-gateway: CPU not measured');
  });

  test('an invalid run says so at the top', () => {
    const out = renderMarkdown(makeResults({ routes: 41, timedOut: 10 }).results);
    const lines = out.split('\n');
    expect(lines[4]).toBe('> **INVALID RUN: do not use its numbers.** Why:');
    expect(lines[5]).toBe('> - 10 of 40 timed route lives (25.00 %) missed a declared milestone (created but never reached: firstSuccess 10); at most 5.00 % allowed');
  });
});
