/**
 * A run next to another fixture on the same controllers, as `bench` next to a Pulumi stack's fixture: the same
 * model and backend names in another namespace, served by that fixture's own Gateway (a stand-in here, as the
 * kind NodePort reaches the stack's Envoy). The run must refuse a URL that reaches the other Gateway, count
 * only answers that came through its own routes, and record the other fixture's routes next to its own.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveFixtureSpec } from '../../charts/fixture-spec';
import { parseResults } from '../../src/results/schema';
import { preflight } from '../../src/bench/preflight';
import { Cluster } from '../../src/kube/cluster';
import { startMockProvider } from '../../src/mock-provider';
import { StandInGateway } from '../../src/local/stand-in-gateway';
import { cliAwait, connect, ensureCrds } from './support';

const STACK = 'mix-stack';
const RUN = 'mix-run';
const STACK_ROUTES = 5;

jest.setTimeout(180_000);

describe('a run next to another fixture (a stack\'s) on the same controllers', () => {
  let cluster: Cluster;
  let mock: Awaited<ReturnType<typeof startMockProvider>>;
  let stackGateway: StandInGateway;
  let runGateway: StandInGateway;
  let out: string;
  beforeAll(async () => {
    cluster = await connect();
    await ensureCrds(cluster);
    // The suite shares one apiserver: the routes of files before this one must be gone (their namespaces may still
    // be terminating), or the counts below would include them.
    await waitForNoRoutes(cluster);
    const applied = await cliAwait('apply', '--routes', String(STACK_ROUTES), '--backends', '2', '--namespace', STACK, '--fixture-id', STACK);
    expect({ status: applied.status, stderr: applied.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    mock = await startMockProvider({ host: '127.0.0.1', port: 0 });
    stackGateway = await new StandInGateway(cluster, STACK, { host: '127.0.0.1', port: mock.port }, 0).start();
    runGateway = await new StandInGateway(cluster, RUN, { host: '127.0.0.1', port: mock.port }, 300).start();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-mixed-'));
  });
  afterAll(async () => {
    await stackGateway?.stop();
    await runGateway?.stop();
    await mock?.close();
    await cliAwait('delete', '--fixture', STACK);
    cluster?.close();
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  const bench = (id: string, namespace: string, url: string) =>
    cliAwait('bench', '--routes', '6', '--backends', '2', '--namespace', namespace, '--fixture-id', id, '--gateway-url', url, '--stand-in', '--allow-missing-controllers', '--per-route-timeout', '20s', '--out', path.join(out, id));

  test('preflight refuses a --gateway-url that reaches the other fixture\'s Gateway, before creating anything', async () => {
    // The stack's Gateway already answers model-000001 from backend-001: the run's routes would look ready at once.
    const result = await bench('mix-wrong', RUN, stackGateway.url);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`already answers model-000001 (HTTP 200 from backend-001 in namespace ${STACK})`);
    expect(result.stderr).toContain('--port-forward');
    expect((await cluster.requestRetrying('GET', `/api/v1/namespaces/${RUN}`)).status).toBe(404);
  });

  test('preflight counts every route on the controllers: the plan and the results record the run\'s and the others\'', async () => {
    const spec = resolveFixtureSpec({ routes: 6, backends: 2, namespace: RUN, fixtureId: RUN });
    const checked = await preflight(cluster, { spec, grpcMaxMessageBytes: 25 * 2 ** 20, allowMissingControllers: true, force: false });
    expect(checked.plan).toMatchObject({ input: { routes: 6, otherRoutes: STACK_ROUTES }, controllerRoutes: 6 + STACK_ROUTES });
    expect(checked.warnings.join('\n')).toContain(`${STACK_ROUTES} routes of other fixtures (${STACK_ROUTES} of fixture ${STACK} in namespace ${STACK})`);

    const result = await bench(RUN, RUN, runGateway.url);
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, stderr: '' });
    const results = parseResults(fs.readFileSync(path.join(out, RUN, 'results.json'), 'utf8'));
    expect(results.plan).toMatchObject({ input: { routes: 6, otherRoutes: STACK_ROUTES }, controllerRoutes: 6 + STACK_ROUTES });
    expect(results.milestones.filter((m) => m.milestone === 'ready')).toHaveLength(5);
  });

  test('a run in the namespace of another fixture is refused: its objects would take over that fixture\'s', async () => {
    const result = await bench('mix-intruder', STACK, runGateway.url);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`namespace ${STACK} holds ${STACK_ROUTES} routes of fixture ${STACK}`);
  });
});

/** Waits (up to 2 min) until no AIGatewayRoute exists anywhere; fails naming the namespaces that still hold some. */
async function waitForNoRoutes(cluster: Cluster): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const listed = await cluster.requestRetrying('GET', '/apis/aigateway.envoyproxy.io/v1beta1/aigatewayroutes');
    const namespaces = new Set<string>((listed.body.items ?? []).map((route: { metadata: { namespace: string } }) => route.metadata.namespace));
    if (listed.status === 200 && namespaces.size === 0) return;
    if (Date.now() > deadline) throw new Error(`routes of earlier tests are still present in ${[...namespaces].join(', ')} (HTTP ${listed.status})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
