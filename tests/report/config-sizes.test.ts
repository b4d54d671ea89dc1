import * as fs from 'node:fs';
import * as path from 'node:path';
import { configSizeRows, configSizesTable } from '../../src/report/config-sizes';
import { renderMarkdown } from '../../src/report/markdown';
import { BenchResults, ConfigSizeSample } from '../../src/results/schema';

// A real control-plane run (trimmed; see fixtures/README.md), given the size samples under test.
const real = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'control-plane-steps.json'), 'utf8')) as BenchResults;
const withSizes = (configSizes: ConfigSizeSample[]): BenchResults => ({ ...real, configSizes });
const xds = (t: number, liveObjects: number, route: number, cluster: number): ConfigSizeSample => ({ t, liveObjects, source: 'xds', bytes: route + cluster, byType: { RouteConfiguration: route, Cluster: cluster } });
const filter = (t: number, liveObjects: number, bytes: number): ConfigSizeSample => ({ t, liveObjects, source: 'filterConfig', bytes });

describe('config sizes against live routes', () => {
  const samples = [filter(1, 100, 20_000), filter(2, 100, 21_000), xds(3, 100, 117_000, 40_000), filter(4, 250, 50_000), filter(5, 500, 90_000), filter(6, 500, 105_000), xds(7, 500, 585_000, 200_000), filter(8, 499, 104_800)];

  test('one row per checkpoint below the peak plus the peak, each the largest size seen at exactly that live count', () => {
    expect(configSizeRows(withSizes(samples))).toEqual([
      { liveRoutes: 100, filterConfigBytes: 21_000, xdsBytes: 157_000, xdsByType: { RouteConfiguration: 117_000, Cluster: 40_000 } },
      { liveRoutes: 500, filterConfigBytes: 105_000, xdsBytes: 785_000, xdsByType: { RouteConfiguration: 585_000, Cluster: 200_000 } },
    ]);
  });

  test('the table gives bytes per route and the xDS types as columns; a source without samples is "not measured"', () => {
    const table = configSizesTable(withSizes(samples.filter((s) => !(s.source === 'xds' && s.liveObjects === 100))))!;
    expect(table.headers).toEqual(['live routes', 'filter config (all Secret parts)', "xDS served to the Gateway's Envoy", 'extension request (PostTranslateModify)', 'extension response', 'xDS Cluster', 'xDS RouteConfiguration']);
    expect(table.rows[0][0]).toBe('100');
    expect(table.rows[0][1]).toMatch(/\(210 B\/route\)$/);
    expect(table.rows[0].slice(2)).toEqual(['not measured', 'not measured', 'not measured', 'not measured', 'not measured']);
    expect(table.rows[1][2]).toBe('766.6 KiB (1.5 KiB/route)'); // 785,000 B over 500 routes
  });

  test('samples taken while routes were being deleted are left out: there the config lags behind the live count', () => {
    const scaleDown = real.phases.find((p) => p.phase === 'scale-down')!;
    const lagging = filter(scaleDown.startMs + 1000, 100, 900_000); // still the config of many more routes
    expect(configSizeRows(withSizes([...samples, lagging]))).toEqual(configSizeRows(withSizes(samples)));
    expect(configSizeRows(withSizes([...samples, { ...lagging, t: scaleDown.startMs - 1000 }]))[0].filterConfigBytes).toBe(900_000);
  });

  test('extension calls: the largest translation call that returned OK at each count, request and response', () => {
    const call = (t: number, liveObjects: number, requestBytes: number, responseBytes: number, method = 'PostTranslateModify', grpcStatus = 0) =>
      ({ t, liveObjects, method, requestBytes, requestMessages: 1, responseBytes, grpcStatus, durationMs: 5 });
    const calls = [call(1, 100, 160_000, 320_000), call(2, 100, 161_000, 322_000), call(3, 100, 900_000, 0, 'PostClusterModify'), call(4, 500, 800_000, 1_600_000), call(5, 500, 0, 0, 'PostTranslateModify', 8)];
    const rows = configSizeRows({ ...real, configSizes: [], extensionCalls: calls });
    expect(rows.map((r) => [r.liveRoutes, r.extensionRequestBytes, r.extensionResponseBytes])).toEqual([
      [100, 161_000, 322_000],
      [500, 800_000, 1_600_000],
    ]);
    expect(configSizesTable({ ...real, configSizes: [], extensionCalls: calls })!.rows[1][4]).toBe('1.5 MiB (3.1 KiB/route)');
  });

  test('runs without size samples have no such section; runs with them do', () => {
    expect(configSizesTable({ ...real, configSizes: undefined })).toBeUndefined();
    expect(renderMarkdown({ ...real, configSizes: undefined })).not.toContain('## Config sizes');
    expect(renderMarkdown(withSizes(samples))).toContain('## Config sizes: what the data plane receives');
  });
});
