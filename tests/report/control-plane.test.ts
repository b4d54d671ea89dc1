/**
 * Control-plane mode (`bench --control-plane`): readiness measured without Envoy, in xDS and in the extproc. The
 * fixture is a real run on the local control plane, trimmed (see fixtures/README.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareResults } from '../../src/report/compare';
import { headline } from '../../src/report/content';
import { formatMs } from '../../src/report/format';
import { renderHtml } from '../../src/report/html';
import { renderMarkdown } from '../../src/report/markdown';
import { milestoneTable } from '../../src/report/milestones';
import { plotSpecs } from '../../src/report/plots';
import { evaluateSlo } from '../../src/report/slo';
import { distribution, quantile } from '../../src/report/stats';
import { summarize } from '../../src/report/summary';
import { BenchResults, parseResults } from '../../src/results/schema';

const FIXTURE = path.join(__dirname, 'fixtures', 'control-plane-steps.json');
const load = (): BenchResults => parseResults(fs.readFileSync(FIXTURE, 'utf8'), FIXTURE);
const results = load();
const s = summarize(results);
const md = renderMarkdown(results, s);

const NOT_MEASURED_LINE = results.notMeasured[0];
const TIMED = ['route-000002', 'route-000003', 'route-000004', 'route-000100', 'route-000150', 'route-000200'];

/** The first record of a milestone of one route (its own, or its HTTPRoute's via `route`), straight from the file. */
function at(route: string, milestone: string): number | undefined {
  return results.milestones.find((m) => m.milestone === milestone && (m.route ?? m.object).endsWith(`/${route}`))?.clientTimeMs;
}
/** Latencies per route from the raw records: from `created`, or from `deleted` for removals. */
const latencies = (milestone: string, from: 'created' | 'deleted') =>
  TIMED.flatMap((r) => {
    const t = at(r, milestone);
    const start = at(r, from);
    return t === undefined || start === undefined ? [] : [t - start];
  });

describe('control-plane mode: readiness is the `ready` milestone', () => {
  test('the fixture is what the runner writes in control-plane mode', () => {
    expect(results.run.mode).toBe('control-plane');
    expect(NOT_MEASURED_LINE.startsWith('data plane: Envoy did not run (no registry here ships it).')).toBe(true);
    expect(results.milestones.some((m) => m.milestone === 'firstSuccess')).toBe(false);
  });

  test('routes count as ready by `ready`; time to ready is ready − created per route', () => {
    expect(s.readiness).toBe('ready');
    expect(s.readyOnControlPlane).toBe(true);
    // route-000001 (warm-up) has stage records but no create: it is neither timed nor pending
    expect(s.routes).toEqual({ expected: 6, warmUpRoutes: 1, created: 6, ready: 6, timedOut: 0, failed: 0, pending: 0, notCreated: 0, readyRatio: 1 });
    expect(s.outcomes.map((o) => o.index)).toEqual([2, 3, 4, 100, 150, 200]);
    expect(s.timeToReady).toEqual(distribution(latencies('ready', 'created')));
    expect(s.timeToReady!.p50).toBeCloseTo(4897.66, 2);
    expect(s.outcomes.find((o) => o.index === 2)!.timeToReadyMs).toBeCloseTo(4942.26, 2);
    expect(s.ttfs).toBeUndefined();
    const readyTimes = TIMED.map((r) => at(r, 'ready')!);
    const createTimes = TIMED.map((r) => at(r, 'created')!);
    expect(s.allReadyAfterMs).toBeCloseTo(Math.max(...readyTimes) - Math.min(...createTimes), 6);
  });

  test('validity and the SLO gates use `ready` as in traffic mode', () => {
    expect(s.validity).toEqual({ valid: true, reasons: [] });
    expect(s.declaredMilestones).toEqual(['filterConfig', 'xdsServed', 'extprocLoaded', 'ready', 'aiGatewayRouteAccepted', 'httpRouteAccepted']);
    const gated = { ...results, scenario: { ...results.scenario!, slo: [{ metric: 'milestone.ready.p99', max: 4900 }, { metric: 'errorRate', max: 0 }] } };
    const [ready, errors] = evaluateSlo(gated);
    expect(ready).toMatchObject({ passed: false, value: quantile(latencies('ready', 'created'), 0.99) });
    expect(ready.message).toBe('milestone.ready.p99: 4.94 s > 4.90 s (over 6 route lives (0 missed it)): violated');
    expect(errors).toMatchObject({ passed: true, value: 0, message: 'errorRate: 0.00 % ≤ 0.00 % (0 of 6 timed route lives never reached ready)' });
    // a route that lost its extproc stage misses `ready` and the stage: the run is then invalid (limit 1 %)
    const lost = { ...results, milestones: results.milestones.filter((m) => !(m.object.endsWith('route-000003') && ['extprocLoaded', 'ready'].includes(m.milestone))) };
    expect(summarize(lost).validity.reasons).toEqual([
      '1 of 6 timed route lives (16.67 %) missed a declared milestone (created but never reached: filterConfig 0, xdsServed 0, extprocLoaded 1, ready 1, aiGatewayRouteAccepted 0, httpRouteAccepted 0); at most 1.00 % allowed',
    ]);
  });

  test('the headline: ready on the control plane, p50 and p99, and that Envoy did not run', () => {
    const items = headline(results, s);
    expect(items[0]).toEqual({ label: 'Routes ready on the control plane', text: '6 of 6 timed (100.0 %). route-000001 was the untimed warm-up route.' });
    expect(items[1]).toEqual({
      label: 'Ready on the control plane (in xDS and loaded by the extproc)',
      text:
        `p50 4.90 s, p99 4.94 s (max 4.94 s) over 6 ready routes; the last of them was ready ${formatMs(s.allReadyAfterMs)} after the first create. ` +
        'Envoy did not run: no request was sent, so there is no time to first success, and Envoy applying the config was not measured.',
    });
    expect(md).toContain('- **Ready on the control plane (in xDS and loaded by the extproc):** p50 4.90 s, p99 4.94 s (max 4.94 s) over 6 ready routes;');
    expect(md).not.toContain('readiness was not measured');
    expect(md).not.toContain('## Time to first success');
    expect(md).toContain('## Time to ready on the control plane\n\n| route lives ready | timed out | failed | p50 | p90 | p95 | p99 | max | mean |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n| 6 | 0 | 0 | 4.90 s |');
  });

  test('the warning at the top quotes what Envoy-less readiness leaves out', () => {
    const quoted = NOT_MEASURED_LINE.replace(/^data plane: /, '');
    expect(s.warnings).toEqual([`mode control-plane: readiness was measured on the control plane only. ${quoted}`]);
    expect(md.split('\n')[4]).toBe(
      "> **Note.** mode control-plane: readiness was measured on the control plane only. Envoy did not run (no registry here ships it). A route counted as ready when Envoy Gateway served it in xDS to the Gateway's Envoy and the real AI Gateway extproc had loaded it; Envoy applying that config, the kubelet's Secret-volume refresh (we sync at once) and traffic were not measured.",
    );
    // said once: no "time to first success" line beside the runner's own
    expect(s.notMeasured).toEqual([NOT_MEASURED_LINE]);
  });

  test('an older control-plane file (no stages, no runner line) still says readiness was not measured', () => {
    const old = { ...results, notMeasured: [], milestones: results.milestones.filter((m) => ['created', 'aiGatewayRouteAccepted', 'httpRouteAccepted', 'deleted'].includes(m.milestone)) };
    const o = summarize(old);
    expect(o.readyOnControlPlane).toBe(false);
    expect(o.readiness).toBeUndefined();
    expect(headline(old, o)[0].label).toBe('Routes created');
    expect(o.warnings).toEqual(['mode control-plane: no gateway data plane; time to first success was not measured through Envoy']);
  });
});

describe('control-plane mode: the milestone table', () => {
  const ORDER = ['aiGatewayRouteAccepted', 'httpRouteAccepted', 'filterConfig', 'xdsServed', 'extprocLoaded', 'ready', 'filterConfigRemoved', 'xdsServedRemoved', 'extprocLoadedRemoved'];

  test('rows in pipeline order: status milestones as declared, the stages, ready, then the removals', () => {
    expect(s.milestones.map((m) => m.milestone)).toEqual(ORDER);
    const rows = md
      .split('\n')
      .filter((l) => /^\| [a-zA-Z]+( \(from deleted\))? \| (AIGatewayRoute|HTTPRoute) \| \d/.test(l))
      .map((l) => l.split(' | ')[0].slice(2));
    expect(rows).toEqual([...ORDER.slice(0, 6), 'filterConfigRemoved (from deleted)', 'xdsServedRemoved (from deleted)', 'extprocLoadedRemoved (from deleted)']);
    expect(md).not.toContain('(not declared)');
  });

  test('removal latency counts from the route’s `deleted`, not from its create; only deleted lives reach or miss it', () => {
    for (const name of ['filterConfigRemoved', 'xdsServedRemoved', 'extprocLoadedRemoved']) {
      const row = s.milestones.find((m) => m.milestone === name)!;
      expect(row.from).toBe('deleted');
      expect(row.client).toEqual(distribution(latencies(name, 'deleted')));
    }
    const xds = s.milestones.find((m) => m.milestone === 'xdsServedRemoved')!;
    // route-000004's removal from xDS never arrived before the run ended
    expect(xds).toMatchObject({ reached: 5, missed: 1 });
    expect(xds.client!.max).toBeCloseTo(18142.15, 2); // route-000100: deleted → gone from xDS
    const filter = s.milestones.find((m) => m.milestone === 'filterConfigRemoved')!;
    expect(filter.client!.max).toBeLessThan(600); // from created these are ~20–35 s
    expect(filter.client!.min).toBeCloseTo(419.21, 2);
    expect(s.milestones.find((m) => m.milestone === 'ready')!.from).toBe('created');
    // removals are not required for validity: route-000004's missing one does not invalidate the run
    expect(s.declaredMilestones).not.toContain('xdsServedRemoved');
    // a life that was never deleted neither reaches nor misses a removal
    const kept = { ...results, milestones: results.milestones.filter((m) => !(m.object.endsWith('route-000200') && (m.milestone === 'deleted' || m.milestone.endsWith('Removed')))) };
    expect(milestoneTable(kept).latencies.find((l) => l.milestone === 'filterConfigRemoved')).toMatchObject({ reached: 5, missed: 0 });
  });

  test('the caption says so, and the built-in milestones are listed under the table with what they mean', () => {
    expect(md).toContain('Removal milestones (marked “from deleted”) are measured from the route’s own “deleted” record of the same life — the delete call returning — not from its create;');
    const list = md.slice(md.indexOf('Built-in milestones'), md.indexOf('### Server-side view'));
    expect(list.match(/^- \*\*(\w+)\*\*/gm)).toEqual(
      ['created', 'filterConfig', 'xdsServed', 'extprocLoaded', 'ready', 'deleted', 'filterConfigRemoved', 'xdsServedRemoved', 'extprocLoadedRemoved'].map((m) => `- **${m}**`),
    );
    expect(list).toContain('- **ready**: the later of xdsServed and extprocLoaded: ready on the control plane (no Envoy ran, no request was sent).');
    expect(list).toContain('- **xdsServedRemoved**: the route left the xDS Envoy Gateway serves to the Gateway’s Envoy, counted from deleted.');
  });

  test('compare times removals from the delete too', () => {
    const c = compareResults(results, results);
    const p50 = c.comparisons.find((m) => m.metric === 'xdsServedRemoved p50')!;
    expect(p50.base).toBeCloseTo(quantile(latencies('xdsServedRemoved', 'deleted'), 0.5)!, 6);
    expect(c.comparisons.filter((m) => m.component !== undefined).map((m) => m.component)).toContain('ai-gateway-extproc');
    expect(c.comparisons.some((m) => m.component === 'envoy-proxy')).toBe(false);
  });
});

describe('control-plane mode: components', () => {
  const samplesOf = (component: string) => results.samples.filter((x) => x.component === component).sort((a, b) => a.t - b.t);

  test('the primary components are both controllers and the extproc; no Envoy proxy', () => {
    expect(s.primaryComponents).toEqual(['envoy-gateway', 'ai-gateway-controller', 'ai-gateway-extproc']);
    expect(s.components.map((c) => c.component)).toEqual(['envoy-gateway', 'ai-gateway-controller', 'ai-gateway-extproc', 'kube-apiserver', 'etcd', 'runner']);
    const items = headline(results, s);
    expect(items.find((i) => i.label === 'Memory per route')!.text).toMatch(/^Envoy Gateway controller [\d.]+ KiB\/route, AI Gateway controller [\d.]+ KiB\/route and AI Gateway extproc [\d.]+ KiB\/route\.$/);
    expect(items.find((i) => i.label === 'Peak memory / CPU')!.text).toBe('Envoy Gateway controller 186.9 MiB / 576 m, AI Gateway controller 103.9 MiB / 327 m and AI Gateway extproc 53.0 MiB / 20 m.');
    expect(md).toMatch(/\| AI Gateway extproc \| 60 \| 20 m \| 0\.0 m \| 53\.0 MiB \| 53\.0 MiB \| [\d.]+ KiB\/route \| r² 0\.92/);
    expect(md).not.toContain('Envoy proxy');
  });

  test('memory retained after scale-down: the last scale-down sample against the peak and the pre-provision memory', () => {
    const eg = samplesOf('envoy-gateway');
    const provisionStart = results.phases.find((p) => p.phase === 'provision')!.startMs;
    const before = eg.filter((x) => x.t < provisionStart).pop()!.memoryBytes!;
    const after = eg.filter((x) => x.phase === 'scale-down').pop()!;
    const peak = Math.max(...eg.map((x) => x.memoryBytes!));
    const row = s.retainedMemory.find((m) => m.component === 'envoy-gateway')!;
    expect(row).toEqual({ component: 'envoy-gateway', label: 'Envoy Gateway controller', beforeBytes: before, peakBytes: peak, peakRoutes: 200, afterBytes: after.memoryBytes, afterRoutes: 1, shareOfPeak: after.memoryBytes! / peak, growthRetained: (after.memoryBytes! - before) / (peak - before) });
    // the extproc is sampled from its first filter config on: nothing before provisioning
    expect(s.retainedMemory.find((m) => m.component === 'ai-gateway-extproc')!.beforeBytes).toBeUndefined();
    expect(md).toContain('| Envoy Gateway controller | 123.9 MiB | 186.9 MiB | 200 | 151.3 MiB | 1 | 80.9 % | 43.5 % |');
    expect(md).toContain('| AI Gateway extproc | not measured | 53.0 MiB | 1 | 53.0 MiB | 1 | 100.0 % | — |');
    expect(md).toContain(
      '- **Memory retained after scale-down:** Envoy Gateway controller 151.3 MiB at 1 live route (80.9 % of its 186.9 MiB peak), AI Gateway controller 91.9 MiB at 1 live route (88.5 % of its 103.9 MiB peak) and AI Gateway extproc 53.0 MiB at 1 live route (100.0 % of its 53.0 MiB peak).',
    );
    // no scale-down phase: no table, no headline line
    const noScaleDown = { ...results, samples: results.samples.filter((x) => x.phase !== 'scale-down') };
    expect(summarize(noScaleDown).retainedMemory).toEqual([]);
    expect(renderMarkdown(noScaleDown)).not.toContain('Memory retained after scale-down');
  });

  test('peak vs settled CPU: without a hold phase, the last load phase stands in, and the report says so', () => {
    const cpu = s.peakVsSettledCpu!;
    expect(cpu.held).toBe(false);
    expect(cpu.window).toBe('the last load phase, provision (step 4) (the run had no hold phase)');
    const step4 = results.phases.find((p) => p.phase === 'provision' && p.step === 4)!;
    const eg = samplesOf('envoy-gateway').filter((x) => x.cpuMillicores !== undefined);
    const inStep4 = eg.filter((x) => x.phase === 'provision' && x.t >= step4.startMs && x.t <= step4.endMs).map((x) => x.cpuMillicores!);
    const row = cpu.rows.find((r) => r.component === 'envoy-gateway')!;
    expect(row.peakMillicores).toBe(Math.max(...eg.filter((x) => x.phase === 'provision').map((x) => x.cpuMillicores!)));
    expect(row).toMatchObject({ peakRoutes: 150, settledMillicores: quantile(inStep4, 0.5), settledSamples: inStep4.length });
    expect(md).toContain('| component | peak CPU while provisioning | live routes at peak | median CPU in the last load phase | samples in it |');
    expect(md).toContain('| Envoy Gateway controller | 576 m | 150 | 423 m | 4 |');
    expect(md).toContain('Without a hold (load.shape steps\\[\\].holdMs) that phase is not settled');
  });

  test('peak vs settled CPU: with hold phases, their samples are the settled window', () => {
    // the same real samples, with step 4 recorded as a hold of the route count it reached
    const held: BenchResults = {
      ...results,
      phases: results.phases.map((p) => (p.phase === 'provision' && p.step === 4 ? { ...p, phase: 'hold' as const } : p)),
      samples: results.samples.map((x) => (x.phase === 'provision' && x.step === 4 ? { ...x, phase: 'hold' as const } : x)),
    };
    const cpu = summarize(held).peakVsSettledCpu!;
    expect(cpu).toMatchObject({ held: true, window: 'the hold phase (hold (step 4))' });
    expect(cpu.rows.find((r) => r.component === 'envoy-gateway')!.settledMillicores).toBe(s.peakVsSettledCpu!.rows.find((r) => r.component === 'envoy-gateway')!.settledMillicores);
    expect(renderMarkdown(held)).toContain('| component | peak CPU while provisioning | live routes at peak | settled CPU (median over holds) | samples in it |');
  });
});

describe('control-plane mode: plots', () => {
  test('CPU and memory against live routes for both controllers and the extproc; over time without an Envoy panel', () => {
    const specs = plotSpecs(results, s);
    expect(specs.cpuVsRoutes.map((p) => [p.component, p.spec !== undefined])).toEqual([
      ['envoy-gateway', true],
      ['ai-gateway-controller', true],
      ['ai-gateway-extproc', true],
    ]);
    expect(specs.memoryVsRoutes.map((p) => p.component)).toEqual(['envoy-gateway', 'ai-gateway-controller', 'ai-gateway-extproc']);
    expect(specs.cpu.map((p) => p.component)).toEqual(['envoy-gateway', 'ai-gateway-controller', 'ai-gateway-extproc', 'kube-apiserver', 'etcd', 'runner']);
    const egMemory = JSON.stringify(specs.memoryVsRoutes[0].spec);
    expect(egMemory).toContain('"text":"Envoy Gateway controller: memory against live routes"');
    expect(egMemory).toMatch(/"text":"fit: [\d.]+ KiB\/route \(r² 0\.75\)"/);
    expect(egMemory).toContain('"domain":["ramp up","scale-down"]');
  });

  test('report.html: time to ready per route, and the six figures against live routes', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const html = await renderHtml(results, s);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    const figures = [...html.matchAll(/<figure class="plot" id="([^"]+)"[^>]*>\s*<svg\b/g)].map((m) => m[1]);
    expect(figures.filter((id) => id.includes('-routes-'))).toEqual([
      'plot-cpu-routes-envoy-gateway',
      'plot-cpu-routes-ai-gateway-controller',
      'plot-cpu-routes-ai-gateway-extproc',
      'plot-memory-routes-envoy-gateway',
      'plot-memory-routes-ai-gateway-controller',
      'plot-memory-routes-ai-gateway-extproc',
    ]);
    expect(figures).not.toContain('plot-cpu-envoy-proxy');
    expect(html).toContain('<section id="ttfs"><h2>Time to ready on the control plane</h2>');
    for (const text of ['Time to ready on the control plane per route', 'time to ready on the control plane (s)', 'AI Gateway extproc: CPU against live routes', 'live AIGatewayRoutes']) {
      expect(html).toContain(`>${text}<`);
    }
    const scatter = html.slice(html.indexOf('id="plot-ttfs"'), html.indexOf('</figure>', html.indexOf('id="plot-ttfs"')));
    expect(scatter.match(/<path[^>]*aria-roledescription="point"/g)?.length).toBe(6);
    expect(html).toContain('<ul class="note" id="built-in-milestones">');
    expect(html).toContain('<h3>Memory retained after scale-down</h3>');
  });
});

describe('traffic mode keeps its readiness, in pipeline order', () => {
  test('status milestones come before firstSuccess and ready', () => {
    const traffic: BenchResults = { ...results, run: { ...results.run, mode: 'cluster' }, notMeasured: [], milestones: results.milestones.filter((m) => !/^(filterConfig|xdsServed|extprocLoaded)/.test(m.milestone)) };
    const t = summarize(traffic);
    expect(t.readyOnControlPlane).toBe(false);
    expect(t.milestones.map((m) => m.milestone)).toEqual(['aiGatewayRouteAccepted', 'httpRouteAccepted', 'firstSuccess', 'ready']);
    expect(t.primaryComponents).toEqual(['envoy-gateway', 'ai-gateway-controller', 'envoy-proxy']);
    expect(renderMarkdown(traffic)).toContain('## Time to first success');
  });
});
