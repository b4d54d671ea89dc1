import { renderHtml } from '../../src/report/html';
import { renderSvg } from '../../src/report/plots';
import { makeResults, makeScenario } from './make-results';

/** Every way an HTML page can pull something from elsewhere. */
const EXTERNAL = [/<script\b/i, /<link\b/i, /<iframe\b/i, /<img\b/i, /@import/i, /\bsrc\s*=/i, /url\(\s*['"]?(https?:|\/\/)/i, /href\s*=\s*["'](https?:|\/\/)/i, /@font-face/i];

describe('renderHtml', () => {
  let html: string;
  let warnings: unknown[][];
  beforeAll(async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    html = await renderHtml(makeResults({ routes: 300, timedOut: 2, failedCreates: 1, seed: 5 }).results);
    warnings = warn.mock.calls;
    warn.mockRestore();
  });

  test('vega and vega-lite compile the figures without warnings', () => {
    expect(warnings).toEqual([]);
  });

  test('self-contained: inline CSS and SVG, nothing external', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    for (const pattern of EXTERNAL) expect(html).not.toMatch(pattern);
  });

  test('the three figures are inline SVG with titles, axis titles with units and legends', () => {
    const figures = [...html.matchAll(/<figure class="plot" id="([^"]+)"[^>]*>\s*<svg\b/g)].map((m) => m[1]);
    expect(figures).toEqual([
      'plot-ttfs',
      'plot-cpu-envoy-gateway',
      'plot-cpu-ai-gateway-controller',
      'plot-cpu-envoy-proxy',
      'plot-memory-envoy-gateway',
      'plot-memory-ai-gateway-controller',
      'plot-memory-envoy-proxy',
      'plot-cpu-routes-envoy-gateway',
      'plot-cpu-routes-ai-gateway-controller',
      'plot-cpu-routes-envoy-proxy',
      'plot-memory-routes-envoy-gateway',
      'plot-memory-routes-ai-gateway-controller',
      'plot-memory-routes-envoy-proxy',
    ]);
    for (const text of [
      'Time to first success per route',
      'route index (route-NNNNNN)',
      'time to first success (s)',
      'Envoy Gateway controller: CPU and live routes over time',
      'AI Gateway controller: memory and live routes over time',
      'CPU (millicores)',
      'memory (MiB)',
      'live AIGatewayRoutes',
      'time since run start (s)',
      'live routes (right axis)',
      'timed out (&gt; 60.0 s, drawn at top)',
    ]) {
      expect(html).toContain(`>${text}<`);
    }
    expect(html).toMatch(/>p50 \d\.\d\d s</);
    expect(html).toMatch(/>p99 \d\.\d\d s</);
    // one point per ready or timed-out route in the scatter
    const scatter = html.slice(html.indexOf('id="plot-ttfs"'), html.indexOf('</figure>', html.indexOf('id="plot-ttfs"')));
    expect(scatter.match(/<path[^>]*aria-roledescription="point"/g)?.length).toBe(298);
  });

  test('ids inside the SVGs are unique in the page and stable across renders', async () => {
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    const again = await renderHtml(makeResults({ routes: 300, timedOut: 2, failedCreates: 1, seed: 5 }).results);
    expect(again).toBe(html);
  });

  test('clip-path ids are renamed per figure, references follow', async () => {
    const spec: any = { data: { values: [{ x: 1, y: 2 }, { x: 5, y: 9 }] }, mark: { type: 'line', clip: true }, encoding: { x: { field: 'x', type: 'quantitative', scale: { domain: [0, 3] } }, y: { field: 'y', type: 'quantitative' } } };
    const [a, b] = [await renderSvg(spec, 'fig-a'), await renderSvg(spec, 'fig-b')];
    expect(a).toMatch(/<clipPath id="fig-a-1">/);
    expect(a).toContain('clip-path="url(#fig-a-1)"');
    expect(b).toMatch(/<clipPath id="fig-b-1">/);
    expect(a.replace(/fig-a/g, 'fig-b')).toBe(b);
  });

  test('the same tables as the Markdown report', () => {
    for (const heading of ['Headline', 'Settings', 'Time to first success', 'CPU over time', 'Memory over time', 'Resources', 'Failures (3)', 'Not measured', 'Environment and versions']) {
      expect(html).toContain(`<h2>${heading}</h2>`);
    }
    expect(html).toMatch(/<li><strong>Routes ready:<\/strong> 296 of 299 timed \(99\.0 %\)/);
    expect(html).toMatch(/<td>Envoy proxy<\/td><td class="num">\d+<\/td>/);
  });

  test('a component never sampled: its panels say not measured; no routes ready: no scatter', async () => {
    const { results } = makeResults({ routes: 60, components: ['envoy-gateway'], withoutCpu: ['envoy-gateway'] });
    const out = await renderHtml(results);
    expect(out).toContain('<div class="not-measured" id="plot-cpu-envoy-proxy" data-component="envoy-proxy">Envoy proxy: CPU not measured (never sampled)</div>');
    expect(out).toContain('<div class="not-measured" id="plot-memory-envoy-proxy" data-component="envoy-proxy">Envoy proxy: memory not measured (never sampled)</div>');
    expect(out).toContain('Envoy Gateway controller: CPU not measured (sampled');
    expect(out).toMatch(/<figure class="plot" id="plot-memory-envoy-gateway"/);

    const empty = await renderHtml({ ...results, milestones: [], samples: [] });
    expect(empty).toContain('<div class="not-measured" id="plot-ttfs">not measured: no route reached first success or timed out</div>');
    expect(empty).not.toContain('<svg');
    expect(empty).toContain('<div class="banner invalid" id="validity"><strong>INVALID RUN: do not use its numbers.</strong> Why:<ul><li>no route was created (no route milestones were recorded)</li><li>no resource samples were recorded</li></ul></div>');
  });

  test('run data is escaped', async () => {
    const { results } = makeResults({ routes: 10, extraFailures: [{ phase: 'validate', message: '<script>alert(1)</script>' }] });
    const out = await renderHtml(results);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).not.toMatch(/<script/i);
  });

  test('milestones (client and server view), phases with churn cycles and SLO gates', async () => {
    const scenario = makeScenario({
      milestones: [{ name: 'routeAccepted', kind: 'HTTPRoute', condition: { type: 'Accepted', status: 'True', perParent: true } }],
      slo: [{ metric: 'milestone.routeAccepted.p99', max: 100 }],
    });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const out = await renderHtml(makeResults({ routes: 61, scenario, statusMilestones: [{ name: 'routeAccepted', kind: 'HTTPRoute', medianMs: 400 }], churn: { cycles: 1, share: 0.5 } }).results);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(out).toMatch(/<div class="banner slo-failed" id="slo-line"><strong>SLO\.<\/strong> 1 of 1 SLO gates failed: milestone\.routeAccepted\.p99\.<\/div>/);
    expect(out).toContain('<th>milestone</th><th>kind</th><th class="num">reached</th><th class="num">missed</th><th class="num">p50</th><th class="num">p90</th><th class="num">p95</th><th class="num">p99</th><th class="num">max</th>');
    expect(out).toMatch(/<tr><td>routeAccepted<\/td><td>HTTPRoute<\/td><td class="num">90<\/td><td class="num">0<\/td>/);
    expect(out).toContain('<h3>Server-side view</h3>');
    expect(out).toMatch(/<tr><td>churn \(cycle 1\)<\/td>/);
    expect(out).toContain('<h2>SLO gates</h2>');
  });
});
