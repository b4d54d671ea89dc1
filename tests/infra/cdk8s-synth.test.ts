/**
 * `cdk8s synth` (charts/main.ts, knobs from AIGW_SCALE_* variables) reproduces what the `ci` stack applies,
 * mock provider included: the stack's bundle resource applies the fixture of its `--fixture-json` spec and
 * refuses any other than its `--sha256`; the real cdk8s CLI, given that spec as environment variables, must
 * write exactly those objects, in the same order.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { FIXTURE_PROPS, FixtureSpec, fixtureEnvVar } from '../../charts/fixture-spec';
import { renderFixture } from '../../src/synth/render-fixture';
import { bundleMockProvider } from '../../src/mock-provider/bundle';
import { REPO_ROOT, runStack, stackFileConfig } from './harness';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-cdk8s-synth-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What the stack applies: the spec and manifests' sha256 in its bundle resource's apply script. */
async function stackFixture(stack: string): Promise<{ spec: FixtureSpec; sha256: string }> {
  const kubeconfig = path.join(dir, 'kubeconfig');
  const cluster = { name: 'c', cluster: { server: 'https://127.0.0.1:6443' } };
  fs.writeFileSync(kubeconfig, JSON.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'x', clusters: [cluster], users: [{ name: 'u', user: {} }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }] }));
  const run = await runStack(stack, { ...stackFileConfig(stack), 'aigw-scale:kubeconfig': kubeconfig }, { mockProviderCode: bundleMockProvider });
  const script: string = run.get('fixture-bundle').inputs.applyScript;
  const [, json, sha256] = script.match(/--fixture-json '([^']*)' --sha256 ([0-9a-f]{64})/)!;
  return { spec: JSON.parse(json), sha256 };
}

/** The objects the real `cdk8s synth` writes for a spec, every knob set through its environment variable. */
function cdk8sSynth(spec: FixtureSpec): unknown[] {
  const knobs = Object.fromEntries(FIXTURE_PROPS.filter((prop) => spec[prop] !== undefined).map((prop) => [fixtureEnvVar(prop), String(spec[prop])]));
  const out = path.join(dir, 'dist');
  const result = spawnSync('npx', ['cdk8s', 'synth', '--output', out], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, ...knobs, CDK8S_CHECK_UPGRADE: 'false' } });
  expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, stderr: '' });
  const files = fs.readdirSync(out);
  expect(files).toEqual(['aigw-scale.k8s.yaml']);
  return YAML.parseAllDocuments(fs.readFileSync(path.join(out, files[0]), 'utf8')).map((doc) => doc.toJSON());
}

test('cdk8s synth writes the objects the ci stack applies, mock provider included', async () => {
  const { spec, sha256 } = await stackFixture('ci');
  expect(spec).toMatchObject({ routes: 200, mockProvider: true });
  const applied = renderFixture(spec, { mockProviderCode: await bundleMockProvider() }, { keep: true });
  expect(applied.sha256).toBe(sha256); // these are the stack's objects: its apply refuses any other
  expect(applied.kinds).toMatchObject({ Deployment: 1, AIGatewayRoute: 200 });
  expect(cdk8sSynth(spec)).toEqual(applied.parts!.flatMap((part) => part.manifests));
}, 180_000);
