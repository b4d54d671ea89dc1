/**
 * The two fixture modes. `resources`: one Pulumi resource per object, so the count grows with N. `bundle`:
 * one command whose inputs do not grow with N, carrying the manifests' hash, and whose scripts rebuild the
 * very same fixture through our CLI.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FixtureSpec, resolveFixtureSpec } from '../../charts/fixture-spec';
import { fixtureParts } from '../../charts/scale-fixture';
import { applyScript, deleteScript } from '../../infra/bundle';
import { fixtureBundleProvider } from '../../infra/fixture-bundle';
import { PROJECT_ROOT } from '../../infra/config';
import { renderFixture } from '../../src/synth/render-fixture';
import { applyCommand } from '../../src/cli/commands/apply';
import { writeFixture } from '../../src/synth/write-fixture';
import { FAKE_KIND_KUBECONFIG, FAKE_MOCK_PROVIDER_CODE, SECRET_SIG, StackRun, plainStrings, runStack } from './harness';

const tempDirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-modes-'));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const fixtureObjects = (run: StackRun) => {
  const fixture = run.get('fixture', 'aigw-scale:infra:Fixture');
  return run.descendants(fixture).filter((r) => r.custom && r.name !== 'gateway-nodeport');
};

describe('resources mode', () => {
  test('one Pulumi resource per object: the count scales with N', async () => {
    const small = await runStack('modes', { routes: '5', backends: '5', fixtureMode: 'resources' });
    const large = await runStack('modes', { routes: '40', backends: '5', fixtureMode: 'resources' });
    for (const [run, routes] of [[small, 5], [large, 40]] as const) {
      expect(run.ofType('kubernetes:aigateway.envoyproxy.io/v1beta1:AIGatewayRoute')).toHaveLength(routes);
      expect(fixtureObjects(run)).toHaveLength(run.outputs.fixtureObjects);
      expect(run.ofType('command:local:Command').map((c) => c.name)).toEqual(['kind']);
    }
    expect(fixtureObjects(large).length - fixtureObjects(small).length).toBe(35);
  });

  test('objects are exactly the rendered manifests, custom kinds as CustomResources', async () => {
    const run = await runStack('modes', { routes: '3', backends: '2', fixtureMode: 'resources' });
    const route = run.get('aigatewayroute-route-000002');
    expect(route.type).toBe('kubernetes:aigateway.envoyproxy.io/v1beta1:AIGatewayRoute');
    expect(route.inputs).toMatchObject({
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIGatewayRoute',
      metadata: { name: 'route-000002', namespace: 'modes', labels: { 'aigw-scale/fixture': 'modes', 'app.kubernetes.io/part-of': 'aigw-scale' } },
    });
    expect(run.get('gatewayclass-aigw-scale-modes').type).toBe('kubernetes:gateway.networking.k8s.io/v1:GatewayClass');
    expect(run.get('configmap-mock-provider-code').inputs.data['mock-provider.js']).toBe(FAKE_MOCK_PROVIDER_CODE);
  });
});

describe('bundle mode', () => {
  let small: StackRun;
  let large: StackRun;
  beforeAll(async () => {
    small = await runStack('modes', { routes: '10', backends: '2', fixtureMode: 'bundle' });
    large = await runStack('modes', { routes: '5000', backends: '2', fixtureMode: 'bundle' });
  });
  const bundleOf = (run: StackRun) => fixtureObjects(run);

  test('the whole fixture is ONE resource whose apply script carries the manifests hash', () => {
    for (const run of [small, large]) {
      const objects = bundleOf(run);
      expect(objects.map((o) => [o.type, o.name])).toEqual([['pulumi-nodejs:dynamic:Resource', 'fixture-bundle']]);
      const [bundle] = objects;
      // A new hash changes the apply script: an in-place update (see the provider's diff tests below).
      expect(bundle.inputs.applyScript.split('\n')[0]).toContain(`sha256 ${run.outputs.fixtureHash}`);
      expect(bundle.inputs.deleteScript).toContain("delete --kubeconfig \"$kubeconfig\" --yes --fixture 'modes'");
      expect(bundle.inputs.dir).toBe(PROJECT_ROOT);
    }
    expect(small.outputs.fixtureHash).not.toBe(large.outputs.fixtureHash);
  });

  test('state stays O(1) in N: the inputs of 10 and 5,000 routes differ only in the numbers and the hash', () => {
    const size = (run: StackRun) => JSON.stringify(bundleOf(run)[0].serialized).length;
    expect(Math.abs(size(large) - size(small))).toBeLessThanOrEqual(10);
    expect(small.resources.length).toBe(large.resources.length);
  });

  test('the kubeconfig reaches the scripts only as a secret environment variable', () => {
    const [bundle] = bundleOf(small);
    expect(bundle.inputs.environment).toEqual({ AIGW_SCALE_KUBECONFIG: FAKE_KIND_KUBECONFIG });
    expect(bundle.serialized.environment.AIGW_SCALE_KUBECONFIG[Object.keys(bundle.serialized.environment.AIGW_SCALE_KUBECONFIG)[0]]).toBe(SECRET_SIG);
    expect(plainStrings(bundle.serialized).join('\n')).not.toContain('fake kubeconfig');
    expect(bundle.additionalSecretOutputs).toContain('environment');
    expect(bundle.inputs.applyScript).not.toContain('fake kubeconfig');
  });
});

describe('the bundle provider', () => {
  const state = { applyScript: '# sha256 aaa\napply', deleteScript: '# namespace a\ndelete', dir: '/p', environment: { K: 'v' } };
  test('the same scripts and environment: no changes (a second `pulumi up` does nothing)', async () => {
    expect(await fixtureBundleProvider.diff!('fixture-bundle', state, { ...state })).toMatchObject({ changes: false, replaces: [] });
  });
  test('a new manifests hash is an in-place update, never a replacement', async () => {
    expect(await fixtureBundleProvider.diff!('fixture-bundle', state, { ...state, applyScript: '# sha256 bbb\napply' })).toMatchObject({ changes: true, replaces: [] });
  });
  test('a new kubeconfig updates, so delete later uses the current one', async () => {
    expect(await fixtureBundleProvider.diff!('fixture-bundle', state, { ...state, environment: { K: 'w' } })).toMatchObject({ changes: true, replaces: [] });
  });
  test('a new delete script (namespace or context) replaces, deleting the old fixture first', async () => {
    expect(await fixtureBundleProvider.diff!('fixture-bundle', state, { ...state, deleteScript: '# namespace b\ndelete' })).toEqual({ changes: true, replaces: ['deleteScript'], deleteBeforeReplace: true });
  });
  test('create runs the apply script in the project directory with the environment; a failure shows its output', async () => {
    const dir = tempDir();
    const created = await fixtureBundleProvider.create({ ...state, dir, applyScript: 'pwd; echo "applied $K"' });
    expect(created).toEqual({ id: 'fixture-bundle', outs: expect.objectContaining({ summary: 'applied v' }) });
    await expect(fixtureBundleProvider.create({ ...state, dir, applyScript: 'echo nope >&2; exit 3' })).rejects.toThrow(/exited with 3:\nnope/);
  });
});

describe('the fixture hash', () => {
  test('equals the sha256 `aigw-scale synth` prints for the same fixture', () => {
    const spec = resolveFixtureSpec({ routes: 250, backends: 5, namespace: 'n', fixtureId: 'f' });
    const extras = { mockProviderCode: FAKE_MOCK_PROVIDER_CODE };
    const rendered = renderFixture(spec, extras, { keep: true });
    const written = writeFixture(fixtureParts(spec, extras), tempDir());
    expect(rendered.sha256).toBe(written.sha256);
    expect(rendered.objects).toBe(written.objects);
    expect(rendered.kinds).toEqual(written.kinds);
    expect(rendered.parts!.flatMap((p) => p.manifests)).toHaveLength(written.objects);
    expect(renderFixture(spec, extras, { keep: false })).toEqual({ ...rendered, parts: undefined });
  });
});

describe('bundle scripts', () => {
  const spec: FixtureSpec = resolveFixtureSpec({ routes: 7, backends: 3, namespace: "it's-ns".replace("'", ''), fixtureId: 'demo', headerMutations: 2, apiKeyAuth: true, connectionBufferLimit: '32Mi' });

  test('apply is given the resolved FixtureSpec as JSON, every knob (listenerPort too), and the hash', () => {
    const others = resolveFixtureSpec({ routes: 3, providerHost: 'mock.example.com', createNamespace: false, routeApiVersion: 'v1alpha1', listenerPort: 8080 });
    for (const candidate of [spec, others]) {
      const result = runScript(applyScript({ spec: candidate, sha256: 'abc' }), { AIGW_SCALE_KUBECONFIG: 'k' });
      const args = result.read('args').trim().split('\n');
      expect(args.slice(5)).toEqual(['--fixture-json', JSON.stringify(candidate), '--sha256', 'abc']);
      expect(JSON.parse(args[6])).toEqual(candidate);
    }
  });

  test('apply refuses a fixture whose manifests do not hash to the hash it was given, before contacting a cluster', async () => {
    const apply = (sha256: string) => applyCommand().exitOverride().parseAsync(['--kubeconfig', path.join(tempDir(), 'none'), '--fixture-json', JSON.stringify(spec), '--sha256', sha256], { from: 'user' });
    await expect(apply('0'.repeat(64))).rejects.toThrow(`--sha256 ${'0'.repeat(64)}: the fixture's manifests hash to ${renderFixture(spec, {}, { keep: false }).sha256}; nothing was applied`);
    await expect(apply(renderFixture(spec, {}, { keep: false }).sha256)).rejects.toThrow(/kubeconfig/); // past the check: on to the cluster
    await expect(applyCommand().exitOverride().parseAsync(['--fixture-json', JSON.stringify(spec)], { from: 'user' })).rejects.toThrow('--fixture-json needs --sha256');
  });

  /** A fake `node` on PATH: records its arguments, the kubeconfig it was given and that file's mode. */
  function fakeNode(dir: string): string {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'node'),
      [
        '#!/bin/sh',
        'printf "%s\\n" "$@" > "$FAKE_LOG/args"',
        'prev=""; for a in "$@"; do [ "$prev" = "--kubeconfig" ] && kc="$a"; prev="$a"; done',
        'printf "%s" "$kc" > "$FAKE_LOG/kubeconfig-path"',
        'cat "$kc" > "$FAKE_LOG/kubeconfig"',
        'ls -l "$kc" | cut -c1-10 > "$FAKE_LOG/mode"',
        'printf "%s" "${FAKE_OUTPUT:-}"',
        'exit "${FAKE_EXIT:-0}"',
      ].join('\n'),
      { mode: 0o755 },
    );
    return bin;
  }

  function runScript(script: string, env: Record<string, string>) {
    const dir = tempDir();
    const bin = fakeNode(dir);
    const result = spawnSync('sh', ['-c', script], { cwd: dir, env: { PATH: `${bin}:${process.env.PATH}`, FAKE_LOG: dir, TMPDIR: dir, ...env }, encoding: 'utf8' });
    const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
    return { ...result, dir, read };
  }

  test('apply: the secret kubeconfig becomes a 0600 temp file for the CLI, removed afterwards', () => {
    const result = runScript(applyScript({ spec, sha256: 'abc' }), { AIGW_SCALE_KUBECONFIG: 'kubeconfig text' });
    expect(result.status).toBe(0);
    const args = result.read('args').trim().split('\n');
    expect(args.slice(0, 5)).toEqual(['bin/aigw-scale.cjs', 'apply', '--kubeconfig', result.read('kubeconfig-path'), '--yes']);
    expect(args.slice(5)).toEqual(['--fixture-json', JSON.stringify(spec), '--sha256', 'abc']);
    expect(result.read('kubeconfig')).toBe('kubeconfig text');
    expect(result.read('mode').trim()).toBe('-rw-------');
    expect(fs.existsSync(result.read('kubeconfig-path'))).toBe(false);
  });

  test('apply: an existing kubeconfig file and a context are passed as they are; failures fail the command', () => {
    const file = path.join(tempDir(), 'kc');
    fs.writeFileSync(file, 'file kubeconfig', { mode: 0o600 });
    const script = applyScript({ spec, sha256: 'abc', context: "ctx 'a'" });
    const result = runScript(script, { AIGW_SCALE_KUBECONFIG_PATH: file });
    expect(result.status).toBe(0);
    const args = result.read('args').trim().split('\n');
    expect(args.slice(2, 7)).toEqual(['--kubeconfig', file, '--yes', '--context', "ctx 'a'"]);
    expect(fs.existsSync(file)).toBe(true);
    expect(runScript(script, { AIGW_SCALE_KUBECONFIG_PATH: file, FAKE_EXIT: '1' }).status).toBe(1);
    expect(runScript(script, {}).status).toBe(2);
  });

  test('delete: by fixture id; only a fixture already gone is not an error; an unreachable apiserver fails loudly', () => {
    const script = deleteScript({ spec });
    const ok = runScript(script, { AIGW_SCALE_KUBECONFIG: 'k' });
    expect(ok.status).toBe(0);
    expect(ok.read('args').trim().split('\n')).toEqual(['bin/aigw-scale.cjs', 'delete', '--kubeconfig', ok.read('kubeconfig-path'), '--yes', '--fixture', 'demo', '--timeout', '300']);
    expect(runScript(script, { AIGW_SCALE_KUBECONFIG: 'k', FAKE_EXIT: '2', FAKE_OUTPUT: 'aigw-scale: no fixture "demo" in kind-x' }).status).toBe(0);
    for (const output of [
      'aigw-scale: cannot reach https://127.0.0.1:40000: connect ECONNREFUSED 127.0.0.1:40000',
      "aigw-scale: ENOENT: no such file or directory, open '/tmp/x/pki/apiserver/apiserver.crt'",
      'aigw-scale: kubeconfig /tmp/x/kubeconfig does not exist; pass --kubeconfig',
      'HTTP 403 forbidden',
    ]) {
      const failed = runScript(script, { AIGW_SCALE_KUBECONFIG: 'k', FAKE_EXIT: '1', FAKE_OUTPUT: output });
      expect({ output, status: failed.status }).toEqual({ output, status: 1 });
      expect(failed.stderr).toContain(output);
      expect(failed.stderr).toContain('fixture demo was not deleted; Pulumi keeps it in the state');
    }
  });

  test('the scripts are valid sh', () => {
    for (const script of [applyScript({ spec, sha256: 'x' }), deleteScript({ spec, context: 'c' })]) {
      expect(() => execFileSync('sh', ['-n', '-c', script])).not.toThrow();
    }
  });
});
