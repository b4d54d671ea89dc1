/**
 * The Cluster component's implementations: kind (a command with a generated config), an existing cluster
 * by kubeconfig, and EKS loaded only when selected.
 */

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import * as YAML from 'yaml';
import { KIND_CREATE_SCRIPT, KIND_DELETE_SCRIPT, KIND_GATEWAY_NODE_PORT, kindConfig, sha256 } from '../../infra/cluster/kind';
import { EKS_MISSING, loadEks } from '../../infra/cluster/eks';
import { DEFAULTS, KIND_VERSION } from '../../infra/config';
import { FAKE_KIND_KUBECONFIG, plainStrings, runStack } from './harness';

const tempDirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-cluster-'));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

describe('kind', () => {
  test('one command: generated config (name from the stack, pinned 1.36 node image, gateway port mapping), hash trigger', async () => {
    const run = await runStack('scale-2000', {});
    const kind = run.get('kind', 'command:local:Command');
    expect(kind.parent).toBe(run.get('cluster', 'aigw-scale:infra:Cluster').urn);
    const config = YAML.parse(kind.inputs.environment.KIND_CONFIG);
    expect(config).toEqual({
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      name: 'aigw-scale-scale-2000',
      nodes: [{ role: 'control-plane', image: DEFAULTS.kindNodeImage, extraPortMappings: [{ containerPort: KIND_GATEWAY_NODE_PORT, hostPort: DEFAULTS.kindGatewayPort, listenAddress: '127.0.0.1', protocol: 'TCP' }] }],
    });
    expect(DEFAULTS.kindNodeImage).toMatch(/^kindest\/node:v1\.36\.\d+@sha256:/);
    expect(kind.inputs).toMatchObject({ create: KIND_CREATE_SCRIPT, delete: KIND_DELETE_SCRIPT, triggers: [sha256(kind.inputs.environment.KIND_CONFIG)], environment: { KIND_CLUSTER_NAME: 'aigw-scale-scale-2000' } });
    expect(kind.deleteBeforeReplace).toBe(true); // same cluster name: the old one must go first
    expect(kind.additionalSecretOutputs).toEqual(['stdout']);
    expect(await pulumi.isSecret(run.rawOutputs.kubeconfig as pulumi.Output<string>)).toBe(true);

    // The Gateway's Envoy pods behind the node port kind maps.
    const service = run.get('gateway-nodeport');
    expect(service.inputs.metadata).toMatchObject({ name: 'aigw-scale-scale-2000-gateway', namespace: 'envoy-gateway-system' });
    expect(service.inputs.spec).toMatchObject({
      type: 'NodePort',
      selector: { 'gateway.envoyproxy.io/owning-gateway-name': 'aigw-scale', 'gateway.envoyproxy.io/owning-gateway-namespace': 'scale-2000' },
      ports: [{ port: 80, targetPort: 10080, nodePort: KIND_GATEWAY_NODE_PORT }],
    });
    expect(run.waitsFor(service, run.get('envoy-gateway'))).toBe(true);
  });

  test('a different image or port is a different config hash (the cluster is replaced); port 0 maps nothing', async () => {
    const base = kindConfig({ name: 'n', nodeImage: DEFAULTS.kindNodeImage, gatewayPort: 8080 });
    expect(sha256(kindConfig({ name: 'n', nodeImage: 'kindest/node:v1.35.8', gatewayPort: 8080 }))).not.toBe(sha256(base));
    expect(sha256(kindConfig({ name: 'n', nodeImage: DEFAULTS.kindNodeImage, gatewayPort: 9090 }))).not.toBe(sha256(base));
    expect(YAML.parse(kindConfig({ name: 'n', nodeImage: 'i', gatewayPort: 0 })).nodes[0].extraPortMappings).toBeUndefined();
    const run = await runStack('dev', { kindGatewayPort: '0' });
    expect(run.resources.some((r) => r.name === 'gateway-nodeport')).toBe(false);
    expect(run.outputs.gatewayAddress).toContain('port-forward');
  });

  test('the scripts: create once (idempotent), print the kubeconfig, delete the cluster and its files', () => {
    const dir = tempDir();
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // A fake kind that keeps its clusters in a file.
    fs.writeFileSync(
      path.join(bin, 'kind'),
      [
        '#!/bin/sh',
        'echo "$*" >> "$FAKE_DIR/calls"',
        'case "$1 $2" in',
        '  "get clusters") cat "$FAKE_DIR/clusters" 2>/dev/null; exit 0 ;;',
        '  "create cluster") echo "$KIND_CLUSTER_NAME" >> "$FAKE_DIR/clusters"; exit 0 ;;',
        '  "get kubeconfig") echo "kubeconfig of $4" ; exit 0 ;;',
        '  "delete cluster") rm -f "$FAKE_DIR/clusters"; exit 0 ;;',
        'esac',
        'exit 1',
      ].join('\n'),
      { mode: 0o755 },
    );
    const config = kindConfig({ name: 'aigw-scale-t', nodeImage: DEFAULTS.kindNodeImage, gatewayPort: 8080 });
    const env = { PATH: `${bin}:${process.env.PATH}`, FAKE_DIR: dir, KIND_CLUSTER_NAME: 'aigw-scale-t', KIND_CONFIG: config };
    const sh = (script: string) => spawnSync('sh', ['-c', script], { cwd: dir, env, encoding: 'utf8' });

    const first = sh(KIND_CREATE_SCRIPT);
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('kubeconfig of aigw-scale-t\n');
    const state = path.join(dir, '.aigw-scale', 'kind', 'aigw-scale-t');
    expect(fs.readFileSync(path.join(state, 'kind-config.yaml'), 'utf8')).toBe(`${config}\n`);
    expect(fs.statSync(path.join(state, 'kubeconfig')).mode & 0o777).toBe(0o600);
    expect(sh(KIND_CREATE_SCRIPT).status).toBe(0);
    const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls.filter((c) => c.startsWith('create cluster'))).toEqual([`create cluster --config ${path.join('.aigw-scale', 'kind', 'aigw-scale-t', 'kind-config.yaml')} --kubeconfig .aigw-scale/kind/aigw-scale-t/kubeconfig --wait 180s`]);

    expect(sh(KIND_DELETE_SCRIPT).status).toBe(0);
    expect(fs.existsSync(state)).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'calls'), 'utf8')).toContain('delete cluster --name aigw-scale-t');
  });

  test('without kind on PATH the command says what to install', () => {
    const result = spawnSync('/bin/sh', ['-c', KIND_CREATE_SCRIPT], { env: { PATH: '/nonexistent', KIND_CLUSTER_NAME: 'x', KIND_CONFIG: 'y' }, encoding: 'utf8' });
    expect(result.status).toBe(127);
    expect(result.stderr).toContain(`install kind ${KIND_VERSION}`);
  });
});

describe('an existing cluster by kubeconfig', () => {
  function kubeconfigFile(): string {
    const file = path.join(tempDir(), 'kubeconfig');
    fs.writeFileSync(
      file,
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'local',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 'secret-token-value' } }],
        contexts: ['local', 'bench'].map((name) => ({ name, context: { cluster: 'c', user: 'u' } })),
      }),
    );
    return file;
  }

  test('the provider reads the file and context in place; nothing is created; the bundle passes the path', async () => {
    const file = kubeconfigFile();
    const run = await runStack('bench', { clusterType: 'kubeconfig', kubeconfig: file, kubeContext: 'bench', routes: '50' });
    expect(run.ofType('command:local:Command')).toEqual([]); // no kind cluster to create
    expect(run.ofType('pulumi-nodejs:dynamic:Resource').map((c) => c.name)).toEqual(['fixture-bundle']);
    expect(run.get('k8s', 'pulumi:providers:kubernetes').inputs).toMatchObject({ kubeconfig: file, context: 'bench' });
    const bundle = run.get('fixture-bundle');
    expect(bundle.inputs.environment).toEqual({ AIGW_SCALE_KUBECONFIG_PATH: file });
    expect(bundle.inputs.applyScript).toContain("--context 'bench'");
    expect(run.outputs).toMatchObject({ clusterType: 'kubeconfig', clusterName: 'bench', routes: 50 });
    expect(run.outputs.gatewayAddress).toContain('port-forward');
    expect(run.resources.some((r) => r.name === 'gateway-nodeport')).toBe(false);
    // The kubeconfig output is the file's text, as a secret; its token appears in no resource's plain inputs.
    expect(run.outputs.kubeconfig).toBe(fs.readFileSync(file, 'utf8'));
    expect(await pulumi.isSecret(run.rawOutputs.kubeconfig as pulumi.Output<string>)).toBe(true);
    for (const resource of run.resources) expect(plainStrings(resource.serialized).join('\n')).not.toContain('secret-token-value');
  });
});

describe('EKS (optional package)', () => {
  test('absent: the program stops before creating anything and says what to install', async () => {
    const missing = Object.assign(new Error("Cannot find module '@pulumi/eks'"), { code: 'MODULE_NOT_FOUND' });
    await expect(loadEks(async () => Promise.reject(missing))).rejects.toThrow(EKS_MISSING);
    await expect(runStack('cloud', { clusterType: 'eks' }, { importModule: async () => Promise.reject(missing) })).rejects.toThrow('npm install @pulumi/eks @pulumi/aws to use clusterType eks');
  });

  test('present: its kubeconfig (secret) configures the provider; the graph is the same', async () => {
    const created: { name: string; args: unknown }[] = [];
    class FakeEksCluster extends pulumi.ComponentResource {
      readonly kubeconfigJson: pulumi.Output<string>;
      constructor(name: string, args: unknown, opts?: pulumi.ComponentResourceOptions) {
        super('eks:index:Cluster', name, {}, opts);
        created.push({ name, args });
        this.kubeconfigJson = pulumi.output('{"kind":"Config","eks":true}');
      }
    }
    const run = await runStack('cloud', { clusterType: 'eks', eksNodes: '3', eksInstanceType: 'm6i.2xlarge' }, { importModule: async () => ({ Cluster: FakeEksCluster }) });
    expect(created).toEqual([{ name: 'eks', args: { name: 'aigw-scale-cloud', instanceType: 'm6i.2xlarge', desiredCapacity: 3, minSize: 3, maxSize: 3, version: undefined } }]);
    const eks = run.get('eks', 'eks:index:Cluster');
    expect(eks.parent).toBe(run.get('cluster', 'aigw-scale:infra:Cluster').urn);
    expect(run.get('k8s', 'pulumi:providers:kubernetes').inputs.kubeconfig).toBe('{"kind":"Config","eks":true}');
    expect(plainStrings(run.get('k8s', 'pulumi:providers:kubernetes').serialized).join()).not.toContain('"eks":true');
    expect(await pulumi.isSecret(run.rawOutputs.kubeconfig as pulumi.Output<string>)).toBe(true);
    expect(run.waitsFor(run.get('envoy-gateway'), run.get('cluster', 'aigw-scale:infra:Cluster'))).toBe(true);
    expect(run.ofType('command:local:Command')).toEqual([]); // no kind cluster to create
    expect(run.ofType('pulumi-nodejs:dynamic:Resource').map((c) => c.name)).toEqual(['fixture-bundle']);
    expect(run.outputs.clusterName).toBe('aigw-scale-cloud');
  });
});

describe('invalid config', () => {
  test('fails before any resource is registered, naming key, value and what is allowed', async () => {
    const attempt = runStack('dev', { routes: '0', clusterType: 'docker' });
    await expect(attempt).rejects.toThrow('aigw-scale:routes: got "0"; allowed: an integer from 1 to 100,000');
    await expect(runStack('dev', { routes: '0' }).catch((e: Error) => e.message)).resolves.toMatch(/nothing was created/);
  });

  test('no resource exists after a rejected config', async () => {
    let registered = -1;
    try {
      await runStack('dev', { fixtureMode: 'yaml' });
    } catch {
      registered = (pulumi.runtime.getMonitor() as any).resources.size;
    }
    expect(registered).toBe(0);
  });
});

test('the kind kubeconfig stub stays out of every plain input', async () => {
  const run = await runStack('dev', { fixtureMode: 'bundle' });
  for (const resource of run.resources) expect(plainStrings(resource.serialized).join('\n')).not.toContain(FAKE_KIND_KUBECONFIG.trim());
});
