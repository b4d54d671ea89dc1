import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CeilingResult } from '../../src/bench/ceiling';
import { Cluster } from '../../src/kube/cluster';
import { startMockProvider } from '../../src/mock-provider';
import { StandInGateway } from '../../src/local/stand-in-gateway';
import { cliAwait, connect, ensureCrds } from './support';

/**
 * `aigw-scale bench --find-ceiling` through traffic (the path a real cluster takes), against the STAND-IN gateway
 * (no Envoy here) whose config stops updating above 37 routes: the search must find 37 by ramp and bisection,
 * see that the routes served before keep answering, and, with no controller to blame, call it translation time.
 */
const CAPACITY = 37;

describe('the ceiling search through traffic (STAND-IN gateway with a capacity of 37 routes)', () => {
  let cluster: Cluster;
  let mock: Awaited<ReturnType<typeof startMockProvider>>;
  let gateway: StandInGateway;
  let out: string;
  let ceiling: CeilingResult;
  let status: number | null;

  beforeAll(async () => {
    cluster = await connect();
    await ensureCrds(cluster);
    mock = await startMockProvider({ host: '127.0.0.1', port: 0 });
    gateway = await new StandInGateway(cluster, 'ceiling', { host: '127.0.0.1', port: mock.port }, 300, { capacity: CAPACITY }).start();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-ceiling-'));
    const result = await cliAwait('bench', '--routes', '80', '--namespace', 'ceiling', '--fixture-id', 'ceiling', '--gateway-url', gateway.url, '--stand-in', '--allow-missing-controllers',
      '--find-ceiling', '--ceiling-step', '10', '--ceiling-resolution', '1', '--per-route-timeout', '6s', '--out', out);
    status = result.status;
    if (status !== 0) process.stderr.write(result.stderr);
    ceiling = JSON.parse(fs.readFileSync(path.join(out, 'ceiling.json'), 'utf8'));
  }, 600_000);
  afterAll(async () => {
    await gateway.stop();
    await mock.close();
    cluster.close();
    fs.rmSync(out, { recursive: true, force: true });
  });

  test('the ramp fails at the step past the capacity and the bisection finds the capacity itself', () => {
    expect(status).toBe(0);
    expect(ceiling).toMatchObject({ ceiling: CAPACITY, failedAt: CAPACITY + 1, stoppedBy: 'failure', limitingStage: 'translation-time' });
    expect(ceiling.probes.filter((p) => p.search === 'ramp').map((p) => [p.routes, p.ready])).toEqual([[10, true], [20, true], [30, true], [40, false]]);
    for (const probe of ceiling.probes) expect([probe.routes, probe.ready]).toEqual([probe.routes, probe.routes <= CAPACITY]);
  });

  test('routes served before the failure still answer through the gateway while it lasts', () => {
    expect(ceiling.earlierRoutes).toEqual({ checked: 20, stillReady: 20 });
  });

  test('the fixture is gone afterwards', async () => {
    const routes = await cluster.request('GET', '/apis/aigateway.envoyproxy.io/v1beta1/namespaces/ceiling/aigatewayroutes');
    expect(routes.status === 404 || routes.body.items.length === 0).toBe(true);
  });
});
