import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CeilingResult } from '../../src/bench/ceiling';
import { CONTROLLER_COMPONENTS, requireBinaries } from '../../src/local/binaries';
import { downLocalCluster, upLocalCluster } from '../../src/local/control-plane';
import { BenchResults } from '../../src/results/schema';
import { BIN } from '../cluster/support';

/**
 * `aigw-scale bench --find-ceiling` against the real controllers with the gRPC knob set so low (200 KiB, both
 * sides) that the extension's answer outgrows it within a few dozen routes: the search must find that count,
 * name the extension message as the limit from Envoy Gateway's own log, and show that routes ready before it
 * stay ready.
 */
const KNOB_BYTES = 200 * 1024;

describe('the ceiling search against the real controllers (gRPC knob 200Ki)', () => {
  let dir: string;
  let ceiling: CeilingResult;
  let ramp: BenchResults;
  let exit: ReturnType<typeof spawnSync>;

  beforeAll(async () => {
    requireBinaries([...CONTROLLER_COMPONENTS]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-ceiling-'));
    const state = await upLocalCluster({ dir, nodes: 1, controllers: true, grpcMaxMessageSize: '200Ki', onProgress: (line) => process.stderr.write(`  ${line}\n`) });
    const out = path.join(dir, 'out');
    exit = spawnSync(
      process.execPath,
      [BIN, 'bench', '--kubeconfig', state.kubeconfig, '--control-plane', '--find-ceiling', '--grpc-max-message-size', '200Ki', '--routes', '200', '--ceiling-step', '20',
        '--ceiling-resolution', '4', '--per-route-timeout', '30s', '--namespace', 'ceiling', '--fixture-id', 'ceiling', '--out', out],
      { encoding: 'utf8', env: { ...process.env, AIGW_SCALE_LOCAL_DIR: dir }, maxBuffer: 64 << 20, timeout: 900_000 },
    );
    process.stderr.write(`${exit.stderr}`.split('\n').slice(-30).join('\n'));
    ceiling = JSON.parse(fs.readFileSync(path.join(out, 'ceiling.json'), 'utf8'));
    ramp = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  }, 1_000_000);

  afterAll(() => {
    if (dir) {
      downLocalCluster(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('it stops at a failure and bisects to the resolution', () => {
    expect(exit.status).toBe(0);
    expect(ceiling.stoppedBy).toBe('failure');
    expect(ceiling.failedAt! - ceiling.ceiling).toBeLessThanOrEqual(4);
    expect(ceiling.ceiling).toBeGreaterThan(1);
    expect(ceiling.probes.some((p) => p.search === 'bisect')).toBe(true);
    // Every probe below the ceiling was ready, every one at or above the failing count was not.
    for (const probe of ceiling.probes) expect([probe.routes, probe.ready]).toEqual([probe.routes, probe.routes <= ceiling.ceiling]);
  });

  test('the limit is the extension message, in the words of Envoy Gateway\'s log, over this knob', () => {
    expect(ceiling.limitingStage).toBe('extension-message');
    expect(ceiling.evidence!.grpcRefusal).toMatchObject({ component: 'envoy-gateway', limitBytes: KNOB_BYTES });
    expect(ceiling.evidence!.grpcRefusal!.bytes).toBeGreaterThan(KNOB_BYTES);
  });

  test('on the wire, the answer outgrew the knob while the request stayed under it (the proxy sees the server\'s OK, not Envoy Gateway\'s refusal)', () => {
    const { largestRequest, largestResponse } = ceiling.evidence!.extension;
    expect(largestResponse!.bytes).toBeGreaterThan(KNOB_BYTES);
    expect(largestRequest!.bytes).toBeLessThan(KNOB_BYTES);
    expect((ramp.extensionCalls ?? []).length).toBeGreaterThan(0);
  });

  test('the objects still say all is well: status conditions do not show the failure', () => {
    const route = ceiling.evidence!.objects.find((o) => o.object.startsWith('AIGatewayRoute/'))!;
    expect(route.conditions.find((c) => c.type === 'Accepted')?.status).toBe('True');
  });

  test('routes ready before the failure stay ready while it lasts (Envoy Gateway keeps its last good snapshot)', () => {
    expect(ceiling.earlierRoutes!.checked).toBeGreaterThan(0);
    expect(ceiling.earlierRoutes!.stillReady).toBe(ceiling.earlierRoutes!.checked);
  });
});
