import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';

const BIN = path.join(__dirname, '..', '..', 'bin', 'aigw-scale.cjs');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('aigw-scale CLI', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-cli-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('every command has --help', () => {
    const top = run('--help');
    expect(top.status).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z]+) \[options\]/gm)].map((m) => m[1]);
    expect(commands).toEqual(expect.arrayContaining(['synth', 'values']));
    for (const command of commands) {
      const help = run(command, '--help');
      expect(help.status).toBe(0);
      expect(help.stdout).toContain(`Usage: aigw-scale ${command}`);
    }
  });

  test('synth writes the fixture and prints a one-line summary', () => {
    const result = run('synth', '--routes', '40', '--backends', '4', '--namespace', 'cli-test', '--out', dir);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^synthesized 51 objects \(1 Namespace, 1 GatewayClass, 1 Gateway, 4 Backend, 4 AIServiceBackend, 40 AIGatewayRoute\) into .* in \d+\.\d\d s, sha256 [0-9a-f]{12}\n$/);
    const routes = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, '04-routes.yaml'), 'utf8')).map((d) => d.toJSON());
    expect(routes).toHaveLength(40);
    expect(routes[39].metadata).toMatchObject({ name: 'route-000040', namespace: 'cli-test' });
  });

  test('synth --json prints the summary for machines', () => {
    const result = run('synth', '--routes', '3', '--out', dir, '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ objects: 8, fixture: 'aigw-scale', files: ['00-namespace.yaml', '01-gateway.yaml', '03-backends.yaml', '04-routes.yaml'] });
  });

  test('invalid input: a clear error naming each flag, exit 2, nothing written', () => {
    const out = path.join(dir, 'out');
    const result = run('synth', '--routes', '2.5', '--backends', '9', '--header-mutations', '17', '--namespace', 'No_Good', '--out', out);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--routes: got 2.5; allowed: an integer from 1 to 100,000');
    expect(result.stderr).toContain('--header-mutations: got 17; allowed: an integer from 0 to 16');
    expect(result.stderr).toContain('--namespace: got "No_Good"');
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a missing required flag is a usage error', () => {
    const result = run('synth', '--out', dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("required option '--routes <n>' not specified");
  });

  test('values writes both files from one knob', () => {
    const result = run('values', '--grpc-max-message-size', '64Mi', '--out', dir, '--json');
    expect(result.status).toBe(0);
    const { grpcMaxMessageSize, files } = JSON.parse(result.stdout);
    expect(grpcMaxMessageSize).toEqual({ quantity: '64Mi', bytes: 67108864 });
    expect(YAML.parse(fs.readFileSync(files.envoyGateway, 'utf8')).config.envoyGateway.extensionManager.maxMessageSize).toBe('64Mi');
    expect(YAML.parse(fs.readFileSync(files.aiGateway, 'utf8'))).toEqual({ controller: { maxRecvMsgSize: '67108864' } });
  });

  test('values rejects a size below 4Mi and writes nothing', () => {
    const result = run('values', '--grpc-max-message-size', '1Mi', '--out', path.join(dir, 'v'));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('outside 4Mi');
    expect(fs.existsSync(path.join(dir, 'v'))).toBe(false);
  });
});
