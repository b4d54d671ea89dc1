import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as YAML from 'yaml';
import { CLI_BUNDLE_MAX_GZIP_BYTES, bundleCli } from '../../src/cli/bundle';
import { CONFIGMAP_DATA_LIMIT_BYTES } from '../../constructs/node-bundle';
import { bundleMockProvider } from '../../src/mock-provider/bundle';
import { makeResults } from '../report/make-results';

/** The CLI as one file (dist/aigw-scale.js), run with plain node from a directory outside the checkout. */
describe('bundled CLI', () => {
  let dir: string;
  let bundle: string;
  let code: string;
  const run = (...args: string[]) => spawnSync('node', [bundle, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, KUBECONFIG: path.join(dir, 'none') } });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-cli-bundle-'));
    code = await bundleCli();
    bundle = path.join(dir, 'aigw-scale.js');
    fs.writeFileSync(bundle, code);
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('fits a ConfigMap once gzipped (binaryData is base64)', () => {
    const gzipped = gzipSync(code, { level: 9 }).length;
    expect(gzipped).toBeLessThanOrEqual(CLI_BUNDLE_MAX_GZIP_BYTES);
    expect(Math.ceil(gzipped / 3) * 4).toBeLessThan(CONFIGMAP_DATA_LIMIT_BYTES);
    expect(code.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(code).not.toMatch(/require\("esbuild"\)/);
  });

  test('--help lists the commands, bench-job included', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    for (const command of ['synth', 'apply', 'bench', 'bench-job', 'report', 'compare', 'plan', 'mock']) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  test('plan --routes 100 --json prints the plan', () => {
    const result = run('plan', '--routes', '100', '--json');
    expect(result.status).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.input.routes).toBe(100);
    expect(plan.filterConfigBytes).toBeGreaterThan(0);
    expect(Array.isArray(plan.limits)).toBe(true);
  });

  test('report renders report.md and report.html (vega-lite SVG) from the bundle', () => {
    const results = path.join(dir, 'run', 'results.json');
    fs.mkdirSync(path.dirname(results), { recursive: true });
    fs.writeFileSync(results, JSON.stringify(makeResults({ routes: 50 }).results));
    const result = run('report', results, '--json');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const html = fs.readFileSync(path.join(dir, 'run', 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(fs.readFileSync(path.join(dir, 'run', 'report.md'), 'utf8')).toMatch(/routes/i);
  });

  test('synth --mock-provider uses the embedded mock provider bundle (no esbuild at run time)', async () => {
    const out = path.join(dir, 'fixture');
    const result = run('synth', '--routes', '3', '--mock-provider', '--out', out);
    expect(result.status).toBe(0);
    const provider = YAML.parseAllDocuments(fs.readFileSync(path.join(out, '02-provider.yaml'), 'utf8')).map((d) => d.toJSON());
    expect(provider[0].data['mock-provider.js']).toBe(await bundleMockProvider());
  });

  test('bench-job from the bundle ships the bundle itself', () => {
    const out = path.join(dir, 'job');
    const result = run('bench-job', '--routes', '10', '--namespace', 'bench', '--out', out, '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).files).toEqual(['00-namespace.yaml', '01-rbac.yaml', '02-code.yaml', '03-job.yaml']);
    const [configMap] = YAML.parseAllDocuments(fs.readFileSync(path.join(out, '02-code.yaml'), 'utf8')).map((d) => d.toJSON());
    expect(gunzipSync(Buffer.from(configMap.binaryData['aigw-scale.js.gz'], 'base64')).toString('utf8')).toBe(code);
  });

  test('bench without a cluster fails with the usual message', () => {
    const result = run('bench', '--routes', '3', '--gateway-url', 'http://127.0.0.1:9', '--out', path.join(dir, 'b'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/kubeconfig .* does not exist/);
  });
});
