import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { AddressInfo, Server, createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseScenario } from '../../src/scenario/parse';

const BIN = path.join(__dirname, '..', '..', 'bin', 'aigw-scale.cjs');
const EXAMPLES = path.join(__dirname, '..', '..', 'examples', 'scenarios');

/** Runs the CLI without blocking this process (the test serves the fake API server itself). */
function run(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

// Each CLI start takes a few seconds (tsx) on a loaded machine.
jest.setTimeout(120_000);

describe('aigw-scale bench --scenario and aigw-scale scenario', () => {
  let dir: string;
  let server: Server;
  let connections: number;
  let kubeconfig: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bench-cli-'));
    // An "API server" that counts every connection (TLS or not) and drops it: bad input must never reach it.
    connections = 0;
    server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    kubeconfig = path.join(dir, 'kubeconfig');
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fs.writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\ncurrent-context: rec\nclusters: [{ name: rec, cluster: { server: "${url}" } }]\ncontexts: [{ name: rec, context: { cluster: rec, user: rec } }]\nusers: [{ name: rec, user: { token: t } }]\n`);
  });
  beforeEach(() => (connections = 0));
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--dry-run prints the resolved scenario; flags and the equivalent file print the same', async () => {
    const file = path.join(dir, 'same.yaml');
    fs.writeFileSync(file, 'apiVersion: aigw-scale/v1\nkind: Scenario\nname: bench\nfixture: { routes: 30 }\ngateway: { url: "http://127.0.0.1:9" }\nload: { shape: { type: steps, steps: [{ routes: 10, hold: 2s }, { routes: 30, hold: 2s }] }, churn: { cycles: 1, share: 0.5 } }\nmilestones: [{ name: httpRouteAccepted, kind: HTTPRoute, condition: { type: Accepted, perParent: true } }]\nslo: [{ metric: milestone.httpRouteAccepted.p99, max: 5s }]\n');
    const [fromFlags, fromFile] = await Promise.all([
      run('bench', '--dry-run', '--routes', '30', '--gateway-url', 'http://127.0.0.1:9', '--steps', '10,30', '--hold', '2s', '--churn-cycles', '1', '--churn-share', '0.5', '--milestone', 'HTTPRoute:Accepted@parents', '--slo', 'milestone.httpRouteAccepted.p99<=5s', '--kubeconfig', kubeconfig),
      run('bench', '--dry-run', '--scenario', file, '--kubeconfig', kubeconfig),
    ]);
    expect(fromFlags).toMatchObject({ status: 0, stderr: '' });
    expect(fromFile).toMatchObject({ status: 0, stderr: '' });
    expect(parseScenario(fromFlags.stdout, 'flags')).toEqual(parseScenario(fromFile.stdout, 'file'));
    expect(parseScenario(fromFile.stdout, 'file')).toEqual(parseScenario(fs.readFileSync(file, 'utf8'), 'file'));
    // Flags given with a file override it, and the run says so.
    const overridden = await run('bench', '--dry-run', '--scenario', file, '--repeat', '3', '--qps', '10', '--kubeconfig', kubeconfig);
    expect(overridden.status).toBe(0);
    expect(overridden.stderr).toBe(`scenario ${file}: load.qps ← --qps 10\nscenario ${file}: repeat ← --repeat 3\n`);
    expect(parseScenario(overridden.stdout, 'out')).toMatchObject({ repeat: 3, load: { qps: 10 } });
    expect(connections).toBe(0);
  });

  test('scenario validate: OK with exit 0, or every problem at its line:col with exit 2; scenario schema prints the schema', async () => {
    const good = await run('scenario', 'validate', path.join(EXAMPLES, 'steps-churn-slo.yaml'));
    expect(good).toMatchObject({ status: 0, stderr: '' });
    expect(good.stdout).toMatch(/steps-churn-slo\.yaml: OK \(scenario steps-churn-slo: 300 routes, steps, churn, 4 milestone\(s\), 4 SLO gate\(s\), repeat 3\)/);
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'apiVersion: aigw-scale/v1\nkind: Scenario\nname: bad\nfixture:\n  routes: 30\nload:\n  churn: { cycles: 1, share: 1.5 }\nslo:\n  - { metric: latency, max: 1 }\n');
    const invalid = await run('scenario', 'validate', bad);
    expect(invalid.status).toBe(2);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toBe(`${bad}:7:30: load.churn.share: got 1.5; must be <= 1\n`);
    const crossField = path.join(dir, 'cross.yaml');
    fs.writeFileSync(crossField, 'apiVersion: aigw-scale/v1\nkind: Scenario\nname: bad\nfixture:\n  routes: 30\nslo:\n  - { metric: latency, max: 1 }\n');
    expect(await run('scenario', 'validate', crossField)).toMatchObject({ status: 2, stderr: `${crossField}:7:15: slo[0].metric: metric "latency": unknown; allowed: milestone.<name>.<p50|p90|p95|p99|max>, memory.<component>.max, cpu.<component>.max or errorRate\n` });
    const schema = await run('scenario', 'schema');
    expect(schema.status).toBe(0);
    expect(JSON.parse(schema.stdout)).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', required: ['apiVersion', 'kind', 'name', 'fixture'] });
  });

  test('bad input exits 2 and changes nothing: no request reaches the cluster, no output is written', async () => {
    const bad = path.join(dir, 'bad-run.yaml');
    fs.writeFileSync(bad, 'apiVersion: aigw-scale/v1\nkind: Scenario\nname: bad\nfixture:\n  routes: 30\n  extra: 1\n');
    const out = path.join(dir, 'never');
    const cases = [
      { args: ['--scenario', bad], error: `${bad}:6:3: fixture.extra: unknown key` },
      { args: ['--scenario', path.join(EXAMPLES, 'local-smoke.yaml'), '--churn-share', '0'], error: '--churn-share: got 0; must be > 0 (load.churn.share)' },
      { args: ['--scenario', path.join(EXAMPLES, 'local-smoke.yaml'), '--slo', 'errorRate<0.1'], error: '--slo: got "errorRate<0.1"' },
      { args: ['--routes', '10', '--gateway-url', 'http://127.0.0.1:9', '--repeat', '0'], error: '--repeat: got 0; must be >= 1 (repeat)' },
      { args: ['--routes', '10'], error: 'give exactly one of --gateway-url URL or --port-forward' },
      { args: ['--gateway-url', 'http://127.0.0.1:9'], error: '--routes N is required without --scenario FILE' },
      { args: ['--scenario', path.join(dir, 'missing.yaml')], error: 'missing.yaml: no such file' },
    ];
    const results = await Promise.all(cases.map(({ args }) => run('bench', ...args, '--out', out, '--kubeconfig', kubeconfig)));
    cases.forEach(({ args, error }, i) => {
      expect({ args, status: results[i].status, stderr: results[i].stderr }).toEqual({ args, status: 2, stderr: expect.stringContaining(error) });
      expect(results[i].stderr).not.toMatch(/\n\s+at /);
    });
    expect(connections).toBe(0);
    expect(fs.existsSync(out)).toBe(false);

    // The recorder does see a valid run's first request, so the silence above means something.
    const valid = await run('bench', '--scenario', path.join(EXAMPLES, 'local-smoke.yaml'), '--gateway-url', 'http://127.0.0.1:9', '--out', out, '--kubeconfig', kubeconfig);
    expect(valid.status).toBe(1);
    expect(connections).toBeGreaterThan(0);
  });

  test('--help lists the exit codes', async () => {
    const help = await run('bench', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n\s+0 .*\n\s+1 .*\n\s+2 .*\n\s+3 .*SLO.*\n\s+4 .*invalid.*\n\s+130 .*interrupted/);
  });
});
