/**
 * kind is pinned once, to what can be verified (the kind repository's newest release and its default node
 * image, as ../shared/REFERENCE.md records them from the tag), and kind stacks can run side by side with each
 * other and with `aigw-scale local up --controllers`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS, KIND_NODE_IMAGE, KIND_VERSION, LOCAL_CONTROLLERS_HOST_PORTS, PROJECT_ROOT, parseInfraConfig } from '../../infra/config';
import { stackFileConfig } from './harness';

const KIND_STACKS = ['dev', 'scale-100', 'scale-2000', 'scale-5000'];

test('the pins are the kind release and node image the kind repository has', () => {
  const reference = fs.readFileSync(path.join(PROJECT_ROOT, '..', 'shared', 'REFERENCE.md'), 'utf8').replace(/\s+/g, ' ');
  const verified = /newest release in the kind repository is (v\d+\.\d+\.\d+), whose default node image is `(kindest\/node:[^`]+)`/.exec(reference);
  expect(verified).not.toBeNull();
  expect({ version: KIND_VERSION, nodeImage: KIND_NODE_IMAGE, default: DEFAULTS.kindNodeImage }).toEqual({ version: verified![1], nodeImage: verified![2], default: verified![2] });
});

test('no file of the project names another kind release or node image', () => {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file && !file.startsWith('tests/') && fs.existsSync(path.join(PROJECT_ROOT, file)) && /\.(ts|md|ya?ml|sh|json)$/.test(file) && file !== 'package-lock.json');
  const mentions = files.flatMap((file) => {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
    return [...text.matchAll(/\bkind (v\d+\.\d+\.\d+)|KIND_VERSION: *(\S+)|kindest\/node:(v\d+\.\d+\.\d+)/g)].map((m) => `${file}: ${m[1] ?? m[2] ?? m[3]}`);
  });
  const pinnedNode = /kindest\/node:(v[\d.]+)/.exec(KIND_NODE_IMAGE)![1];
  expect(mentions.filter((m) => !m.endsWith(`: ${KIND_VERSION}`) && !m.endsWith(`: ${pinnedNode}`))).toEqual([]);
  // The workflow installs the version the program pins, read from the code.
  expect(fs.readFileSync(path.join(PROJECT_ROOT, '.github', 'workflows', 'preview.yaml'), 'utf8')).toContain("require('./infra/config').KIND_VERSION");
});

test('kind stacks map different host ports, none that `local up --controllers` binds', () => {
  // The stack files' keys carry the project prefix (aigw-scale:routes); the parser takes them without.
  const settings = (stack: string) => Object.fromEntries(Object.entries(stackFileConfig(stack)).map(([key, value]) => [key.replace(/^aigw-scale:/, ''), value]));
  const ports = KIND_STACKS.map((stack) => parseInfraConfig(settings(stack), { stack, env: {} }).kind!.gatewayPort);
  expect(new Set(ports).size).toBe(KIND_STACKS.length);
  for (const port of [...ports, DEFAULTS.kindGatewayPort]) expect(LOCAL_CONTROLLERS_HOST_PORTS).not.toContain(port);
  for (const port of LOCAL_CONTROLLERS_HOST_PORTS) {
    expect(() => parseInfraConfig({ kindGatewayPort: String(port) }, { stack: 'dev', env: {} })).toThrow(`aigw-scale:kindGatewayPort: got "${port}"; allowed: a port \`aigw-scale local up --controllers\` does not bind`);
  }
});
