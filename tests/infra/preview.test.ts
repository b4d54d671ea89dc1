/** scripts/preview.ts with a fake Automation API: names, config, backend and passphrase, up/down/kubeconfig. */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { Automation, PREVIEW_RECORDS_DIR, PreviewStack, PreviewUsageError, previewConfig, pulumiEnvironment, run, validatePreviewName } from '../../scripts/preview';
import { REPO_ROOT } from './harness';

const tempDirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-preview-'));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const text = (stream: PassThrough) => {
  let out = '';
  stream.on('data', (chunk) => (out += chunk));
  return () => out;
};

/** An in-memory backend: stacks by name with their config and outputs. */
class FakeAutomation implements Automation {
  readonly stacks = new Map<string, { config: Record<string, { value: string }>; outputs: Record<string, { value: unknown; secret: boolean }>; calls: string[] }>();
  readonly envs: Record<string, string>[] = [];
  readonly workDirs: string[] = [];

  private stack(name: string): PreviewStack {
    const s = this.stacks.get(name)!;
    return {
      getAllConfig: async () => ({ ...s.config }),
      setAllConfig: async (config) => {
        s.calls.push('setAllConfig');
        Object.assign(s.config, config);
      },
      removeAllConfig: async (keys) => {
        s.calls.push(`removeAllConfig ${keys.join(',')}`);
        for (const key of keys) delete s.config[key];
      },
      up: async ({ onOutput }) => {
        s.calls.push('up');
        onOutput('Updating (pr-123)\n');
        s.outputs = {
          kubeconfig: { value: 'apiVersion: v1\nkind: Config\n# secret\n', secret: true },
          clusterName: { value: 'aigw-scale-pr-123', secret: false },
          clusterType: { value: 'kind', secret: false },
          gatewayAddress: { value: 'http://127.0.0.1:8080', secret: false },
          fixtureId: { value: 'pr-123', secret: false },
          namespace: { value: 'pr-123', secret: false },
          routes: { value: Number(s.config['aigw-scale:routes'].value), secret: false },
          grpcLimits: { value: { envoyGateway: { maxMessageSize: '25Mi' }, aiGateway: { maxRecvMsgSize: '26214400' } }, secret: false },
        };
        return { outputs: s.outputs };
      },
      destroy: async (opts) => {
        s.calls.push(`destroy remove=${opts.remove}`);
        this.stacks.delete(name);
        return {};
      },
      outputs: async () => s.outputs,
    };
  }

  async createOrSelectStack(name: string, workDir: string, envVars: Record<string, string>) {
    this.envs.push(envVars);
    this.workDirs.push(workDir);
    if (!this.stacks.has(name)) this.stacks.set(name, { config: {}, outputs: {}, calls: [] });
    return this.stack(name);
  }

  async selectStack(name: string, workDir: string, envVars: Record<string, string>) {
    this.envs.push(envVars);
    this.workDirs.push(workDir);
    return this.stacks.has(name) ? this.stack(name) : undefined;
  }
}

function setup(env: NodeJS.ProcessEnv = { PULUMI_CONFIG_PASSPHRASE: 'pass' }) {
  const projectRoot = tempDir();
  const home = tempDir();
  const automation = new FakeAutomation();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = text(stdout);
  const err = text(stderr);
  const exec = (...argv: string[]) => run(argv, { automation, env, home, projectRoot, stdout, stderr });
  return { projectRoot, home, automation, exec, out, err };
}

describe('validatePreviewName', () => {
  test.each(['pr-123', 'a', 'feature-x-2', 'x'.repeat(39)])('accepts %s', (name) => {
    expect(validatePreviewName(name, tempDir())).toBe(name);
  });

  test.each(['', 'PR-123', 'pr_123', '-pr', 'pr-', 'x'.repeat(40), 'pr.123'])('rejects %j', (name) => {
    expect(() => validatePreviewName(name, tempDir())).toThrow(PreviewUsageError);
  });

  test("refuses the project's own stacks (a stack file this script did not create)", () => {
    for (const stack of ['dev', 'scale-100', 'scale-2000', 'scale-5000']) {
      expect(() => validatePreviewName(stack, REPO_ROOT)).toThrow(`Pulumi.${stack}.yaml was not made by this script`);
    }
  });
});

describe('previewConfig', () => {
  const base = { name: 'pr-1', routes: '200', mockProvider: true };

  test('flags become aigw-scale config, validated by the program’s own config module', () => {
    expect(previewConfig({ ...base, backends: '10', fixtureMode: 'resources', grpcMaxMessageSize: '32Mi' }, tempDir(), {})).toEqual({
      routes: '200', backends: '10', fixtureMode: 'resources', grpcMaxMessageSize: '32Mi', mockProvider: 'true',
    });
  });

  test('bad values fail before Pulumi runs, naming key, value and what is allowed', () => {
    expect(() => previewConfig({ ...base, routes: '0' }, tempDir(), {})).toThrow('aigw-scale:routes: got "0"; allowed: an integer from 1 to 100,000');
    expect(() => previewConfig({ ...base, grpcMaxMessageSize: '3Mi' }, tempDir(), {})).toThrow('aigw-scale:grpcMaxMessageSize: got "3Mi"');
  });
});

describe('pulumiEnvironment', () => {
  test('a local file backend under the home directory by default, created; no update checks', () => {
    const home = tempDir();
    const env = pulumiEnvironment({ PULUMI_CONFIG_PASSPHRASE: '' }, home);
    expect(env).toEqual({ PULUMI_BACKEND_URL: `file://${home}/.aigw-scale/pulumi`, PULUMI_SKIP_UPDATE_CHECK: 'true', PULUMI_CONFIG_PASSPHRASE: '' });
    expect(fs.statSync(path.join(home, '.aigw-scale', 'pulumi')).isDirectory()).toBe(true);
  });

  test('a self-managed backend needs a passphrase; Pulumi Cloud does not', () => {
    expect(() => pulumiEnvironment({}, tempDir())).toThrow('PULUMI_CONFIG_PASSPHRASE is not set');
    expect(() => pulumiEnvironment({ PULUMI_BACKEND_URL: 's3://bucket/state' }, tempDir())).toThrow('PULUMI_CONFIG_PASSPHRASE is not set');
    expect(pulumiEnvironment({ PULUMI_BACKEND_URL: 's3://bucket/state', PULUMI_CONFIG_PASSPHRASE_FILE: '/run/secrets/p' }, tempDir())).toMatchObject({ PULUMI_CONFIG_PASSPHRASE_FILE: '/run/secrets/p' });
    expect(pulumiEnvironment({ PULUMI_BACKEND_URL: 'https://api.pulumi.com' }, tempDir())).toEqual({ PULUMI_BACKEND_URL: 'https://api.pulumi.com', PULUMI_SKIP_UPDATE_CHECK: 'true' });
  });
});

describe('commands', () => {
  test('up: creates or selects the stack in the project, sets the config, runs up, prints no secret', async () => {
    const { exec, automation, projectRoot, home, out } = setup();
    expect(await exec('up', '--name', 'pr-123', '--routes', '300')).toBe(0);
    const stack = automation.stacks.get('pr-123')!;
    expect(stack.calls).toEqual(['setAllConfig', 'up']);
    expect(stack.config).toEqual({
      'aigw-scale:routes': { value: '300' },
      'aigw-scale:backends': { value: '10' },
      'aigw-scale:mockProvider': { value: 'true' },
    });
    expect(automation.workDirs).toEqual([projectRoot]);
    expect(automation.envs[0]).toMatchObject({ PULUMI_BACKEND_URL: `file://${home}/.aigw-scale/pulumi`, PULUMI_CONFIG_PASSPHRASE: 'pass' });
    expect(out()).toContain('gateway "http://127.0.0.1:8080"');
    expect(out()).toContain('Envoy Gateway maxMessageSize 25Mi, AI Gateway maxRecvMsgSize 26214400');
    expect(out()).not.toContain('kind: Config');
    expect(fs.existsSync(path.join(projectRoot, PREVIEW_RECORDS_DIR, 'pr-123.json'))).toBe(true);
  });

  test('up again with other flags: the flags are the whole config (stale keys removed)', async () => {
    const { exec, automation } = setup();
    await exec('up', '--name', 'pr-1', '--routes', '20', '--fixture-mode', 'resources');
    await exec('up', '--name', 'pr-1', '--routes', '30');
    const stack = automation.stacks.get('pr-1')!;
    expect(stack.calls).toEqual(['setAllConfig', 'up', 'removeAllConfig aigw-scale:fixtureMode', 'setAllConfig', 'up']);
    expect(stack.config['aigw-scale:fixtureMode']).toBeUndefined();
  });

  test('kubeconfig writes the secret to a 0600 file only', async () => {
    const { exec, out } = setup();
    await exec('up', '--name', 'pr-2');
    const file = path.join(tempDir(), 'kc');
    expect(await exec('kubeconfig', '--name', 'pr-2', '--out', file)).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toContain('kind: Config');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(out()).not.toContain('kind: Config');
  });

  test('outputs masks secrets', async () => {
    const { exec, out } = setup();
    await exec('up', '--name', 'pr-3');
    expect(await exec('outputs', '--name', 'pr-3')).toBe(0);
    expect(out()).toContain('"kubeconfig": "[secret]"');
  });

  test('down: destroy with remove, then the record goes; a missing stack is nothing to do', async () => {
    const { exec, automation, projectRoot, err } = setup();
    await exec('up', '--name', 'pr-4');
    const calls = automation.stacks.get('pr-4')!.calls;
    expect(await exec('down', '--name', 'pr-4')).toBe(0);
    expect(calls).toContain('destroy remove=true');
    expect(automation.stacks.has('pr-4')).toBe(false);
    expect(fs.existsSync(path.join(projectRoot, PREVIEW_RECORDS_DIR, 'pr-4.json'))).toBe(false);
    expect(await exec('down', '--name', 'pr-4')).toBe(0);
    expect(err()).toContain('no such stack');
  });

  test('bad input exits 2 and never reaches Pulumi', async () => {
    const { exec, automation, err } = setup();
    expect(await exec('up', '--name', 'PR 1')).toBe(2);
    expect(await exec('up')).toBe(2);
    expect(await exec('up', '--name', 'pr-5', '--routes', '0')).toBe(2);
    expect(await exec('up', '--name', 'pr-5', '--fixture-mode', 'yaml')).toBe(2);
    expect(await exec('kubeconfig', '--name', 'pr-6', '--out', path.join(tempDir(), 'x'))).toBe(2);
    expect(automation.stacks.size).toBe(0);
    expect(err()).toContain('aigw-scale:routes: got "0"');
  });

  test('no passphrase for a file backend: exit 2 with what to set', async () => {
    const { exec, err, automation } = setup({});
    expect(await exec('up', '--name', 'pr-7')).toBe(2);
    expect(err()).toContain('PULUMI_CONFIG_PASSPHRASE is not set');
    expect(automation.stacks.size).toBe(0);
  });
});

test('a failing Pulumi CLI leaves no record behind', async () => {
  const { exec, automation, projectRoot, err } = setup();
  automation.createOrSelectStack = async () => {
    throw new Error('the Pulumi CLI is not installed or not on PATH');
  };
  expect(await exec('up', '--name', 'pr-8')).toBe(1);
  expect(err()).toContain('the Pulumi CLI is not installed');
  expect(fs.existsSync(path.join(projectRoot, PREVIEW_RECORDS_DIR, 'pr-8.json'))).toBe(false);
});
