import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { resolveFixtureSpec } from '../../charts/fixture-spec';
import { fixtureParts } from '../../charts/scale-fixture';
import { writeFixture } from '../../src/synth/write-fixture';
import { synthFixture } from '../support/fixture';

describe('writeFixture', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-write-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (input: Parameters<typeof resolveFixtureSpec>[0]) => writeFixture(fixtureParts(resolveFixtureSpec(input)), dir);
  const readAll = () =>
    fs.readdirSync(dir).sort().flatMap((file) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((d) => d.toJSON()));

  test('writes one file per part in apply order, holding exactly the cdk8s objects', () => {
    const summary = write({ routes: 1500, backends: 7 });
    expect(summary.files).toEqual(['00-namespace.yaml', '01-gateway.yaml', '03-backends.yaml', '04-routes.yaml']);
    expect(fs.readdirSync(dir).sort()).toEqual(summary.files);
    expect(summary.objects).toBe(1 + 2 + 14 + 1500);
    expect(summary.kinds).toEqual({ Namespace: 1, GatewayClass: 1, Gateway: 1, Backend: 7, AIServiceBackend: 7, AIGatewayRoute: 1500 });
    expect(readAll()).toEqual(synthFixture({ routes: 1500, backends: 7 }));
    expect(summary.bytes).toBe(summary.files.reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0));
  });

  test('is byte-for-byte stable: the same spec gives the same hash and files', () => {
    const first = write({ routes: 300, backends: 3 });
    const bytes = fs.readFileSync(path.join(dir, '04-routes.yaml'));
    const second = write({ routes: 300, backends: 3 });
    expect(second.sha256).toBe(first.sha256);
    expect(fs.readFileSync(path.join(dir, '04-routes.yaml'))).toEqual(bytes);
    expect(write({ routes: 301, backends: 3 }).sha256).not.toBe(first.sha256);
  });

  test('removes part files a previous synthesis left and keeps other files', () => {
    write({ routes: 2 });
    fs.writeFileSync(path.join(dir, 'README.txt'), 'mine');
    write({ routes: 2, createNamespace: false });
    expect(fs.readdirSync(dir).sort()).toEqual(['01-gateway.yaml', '03-backends.yaml', '04-routes.yaml', 'README.txt']);
  });
});
