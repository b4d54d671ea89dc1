import { rampCounts, rampOutcome } from '../../src/bench/ceiling';
import { CeilingEvidence, errorLines, grpcSizeRefusal, limitingStage } from '../../src/bench/ceiling-evidence';
import { BenchResults, MilestoneRecord } from '../../src/results/schema';

describe('the ceiling ramp', () => {
  test('cumulative counts in steps, the maximum always last', () => {
    expect(rampCounts(100, 350)).toEqual([100, 200, 300, 350]);
    expect(rampCounts(100, 300)).toEqual([100, 200, 300]);
  });

  // Routes 1..n by fixture order; route 1 is the warm-up route (never timed).
  const indexOf = new Map(Array.from({ length: 400 }, (_, i) => [`AIGatewayRoute/ns/r${i + 1}`, i + 1]));
  const results = (milestones: MilestoneRecord[], failures: BenchResults['failures'] = []) => ({ milestones, failures }) as unknown as BenchResults;
  const ready = (from: number, to: number): MilestoneRecord[] => Array.from({ length: to - from + 1 }, (_, i) => ({ object: `AIGatewayRoute/ns/r${from + i}`, milestone: 'ready', clientTimeMs: 1 }));

  test('the first route that timed out fails its step; the step before it is good', () => {
    const outcome = rampOutcome(results([...ready(2, 250), { object: 'AIGatewayRoute/ns/r251', milestone: 'timedOut', clientTimeMs: 2 }, ...ready(252, 300)]), [100, 200, 300, 400], indexOf);
    expect(outcome).toEqual({ good: 200, failed: 300 });
  });

  test('a route whose create failed counts as a failure too; no failure at all: no failing count', () => {
    expect(rampOutcome(results(ready(2, 150), [{ phase: 'provision', object: 'AIGatewayRoute/ns/r151', message: 'HTTP 500' }]), [100, 200], indexOf)).toEqual({ good: 100, failed: 200 });
    expect(rampOutcome(results(ready(2, 400)), [100, 200, 300, 400], indexOf)).toEqual({ good: 400, failed: undefined });
  });

  test('a ramp stopped by the budget mid-step: routes still pending are neither good nor failed', () => {
    expect(rampOutcome(results(ready(2, 230)), [100, 200, 300, 400], indexOf)).toEqual({ good: 200, failed: undefined });
  });
});

describe('the ceiling evidence', () => {
  // Envoy Gateway v1.8.1's own log lines at 4Mi (zap console format), as a ceiling search recorded them.
  const egLog = [
    '1.7959443037203865e+09\tinfo\tgateway-api\trunner/runner.go:200\treceived an update',
    '1.7959443037203865e+09\terror\txds\trunner/runner.go:329\tskipped publishing xds resources: failed to translate xds ir\t{"runner": "xds", "error": "rpc error: code = ResourceExhausted desc = grpc: received message larger than max (4243444 vs. 4194304)"}',
    '1.795944305173545e+09\terror\txds\trunner/runner.go:329\tskipped publishing xds resources: failed to translate xds ir\t{"runner": "xds", "error": "rpc error: code = ResourceExhausted desc = grpc: received message larger than max (4304092 vs. 4194304)"}',
  ].join('\n');

  test('error lines are kept, info lines are not', () => {
    const lines = errorLines(egLog);
    expect(lines).toHaveLength(1); // the two refusals differ only in their numbers
    expect(errorLines(egLog.replace('received message', 'trying to send message'))).toHaveLength(2);
    expect(lines.every((l) => l.includes('larger than max'))).toBe(true);
  });

  test('the limit signatures are kept even after many errors of other kinds, and lines differing only in names or numbers count once', () => {
    // Envoy Gateway logs a missing filter per route while AI Gateway's generated objects catch up: one line each.
    const noise = Array.from({ length: 30 }, (_, i) => `1.79594681${i}e+09\terror\tprovider\tkubernetes/routes.go:324\tbypassing filter rule\t{"error": "HTTPRouteFilter \\"ai-eg-host-rewrite-route-0075${String(i).padStart(2, '0')}\\" not found"}`);
    const lines = errorLines([...noise, egLog].join('\n'));
    expect(lines.filter((l) => l.includes('bypassing filter rule'))).toHaveLength(1);
    expect(lines.some((l) => l.includes('received message larger than max (4243444 vs. 4194304)'))).toBe(true);
    expect(limitingStage(evidence({ 'envoy-gateway': lines }))).toBe('extension-message');
  });

  test('a size refusal says which message crossed the limit, by how much', () => {
    expect(grpcSizeRefusal({ 'envoy-gateway': errorLines(egLog) })).toEqual({ component: 'envoy-gateway', message: 'response', bytes: 4_243_444, limitBytes: 4_194_304 });
    expect(grpcSizeRefusal({ 'envoy-gateway': ['grpc: trying to send message larger than max (30000000 vs. 26214400)'] })).toMatchObject({ message: 'request', bytes: 30_000_000 });
    expect(grpcSizeRefusal({ 'ai-gateway-controller': ['grpc: received message larger than max (6683527 vs. 4194304)'] })).toMatchObject({ message: 'request', bytes: 6_683_527 });
    expect(grpcSizeRefusal({ 'envoy-gateway': ['all fine'] })).toBeUndefined();
  });

  const evidence = (logs: Record<string, string[]>, stopped: string[] = []): CeilingEvidence => ({ logs, stopped, objects: [], warningEvents: [], extension: { failedCalls: [] } });

  test('each limit is named by what its component logs', () => {
    expect(limitingStage(evidence({ 'envoy-gateway': errorLines(egLog) }))).toBe('extension-message');
    expect(limitingStage(evidence({ 'ai-gateway-controller': ['error: etcdserver: request is too large'] }))).toBe('etcd-request-size');
    expect(limitingStage(evidence({ 'ai-gateway-controller': ['error: filter config of 6 MiB exceeds 8 parts'] }))).toBe('filter-config');
    expect(limitingStage(evidence({}, ['envoy-gateway']))).toBe('memory');
    expect(limitingStage(evidence({}))).toBe('translation-time');
  });
});
