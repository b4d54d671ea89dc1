import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as YAML from 'yaml';
import {
  bundleIndexSecretName,
  bundlePartSecretName,
  parseBundleIndex,
  reassemble,
  scanModelNames,
  scanModelNamesFast,
  sha256Hex,
} from '../../src/controlplane/filter-config-watch';

/**
 * The pure half of the filter-config watch: Secret names, the index, reassembly and the model-name scanner.
 * YAML fixtures are real marshaller output: fixtures/go-marshal (sigs.k8s.io/yaml, the controller's marshaller)
 * and fixtures/controller-* (captured from the real AI Gateway v1.1.0 controller); see fixtures/README.md.
 */
const FIXTURES = path.join(__dirname, 'fixtures');
const read = (name: string) => (name.endsWith('.gz') ? zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, name))) : fs.readFileSync(path.join(FIXTURES, name))).toString('utf8');
const parsedNames = (text: string): string[] => ((YAML.parse(text) as { models?: { Name: string }[] }).models ?? []).map((m) => m.Name);

describe('Secret names, as the controller computes them', () => {
  // Expected values from upstream's own tests (internal/controller/secret_name_test.go at v1.1.0).
  test.each([
    ['gw', 'default', 'gw-default-3d45476e8d68'],
    ['gateway', 'ns1', 'gateway-ns1-c6d39be275c7'],
    ['gw'.repeat(300), 'default', `${'gw'.repeat(120)}-5751046a2499`],
  ])('index of %s/%s', (name, namespace, expected) => {
    expect(bundleIndexSecretName(name, namespace)).toBe(expected);
  });

  test.each([
    ['gw', 'default', 0, 'gw-default-3d45476e8d68-part-000'],
    ['gw', 'default', 7, 'gw-default-3d45476e8d68-part-007'],
    ['gw'.repeat(200), 'default', 5, `${'gw'.repeat(115)}g-32c5e16657f8-part-005`],
  ])('part of %s/%s #%i', (name, namespace, i, expected) => {
    const got = bundlePartSecretName(name, namespace, i);
    expect(got).toBe(expected);
    expect(got.length).toBeLessThanOrEqual(253);
  });
});

describe('index and reassembly', () => {
  const payload = Buffer.from(read('go-marshal-edge.yaml'));
  const chunks = [payload.subarray(0, 1000), payload.subarray(1000)];
  const indexText = YAML.stringify({
    checksum: sha256Hex(payload).toUpperCase(), // the extproc lower-cases it; so do we
    parts: chunks.map((c, i) => ({ name: bundlePartSecretName('gw', 'default', i), path: `parts/00${i}`, sizeBytes: c.length })),
    uuid: 'u-1',
    version: 'v1.1.0',
  });

  test('a complete bundle reassembles to the payload, parts in index order', () => {
    const index = parseBundleIndex(indexText);
    expect(index).toMatchObject({ version: 'v1.1.0', uuid: 'u-1', checksum: sha256Hex(payload) });
    const byName = new Map(index.parts.map((p, i) => [p.name, chunks[i]!]));
    const result = reassemble(index, (name) => byName.get(name));
    expect(result.complete).toBe(true);
    if (result.complete) expect(result.payload.equals(payload)).toBe(true);
  });

  test('a missing part or a part of another version is incomplete, with the reason', () => {
    const index = parseBundleIndex(indexText);
    expect(reassemble(index, (name) => (name.endsWith('000') ? chunks[0] : undefined))).toEqual({ complete: false, reason: expect.stringContaining('part-001 is missing') });
    expect(reassemble(index, (name) => (name.endsWith('000') ? chunks[0] : Buffer.from('newer')))).toEqual({ complete: false, reason: expect.stringContaining('checksum mismatch') });
  });

  test('an index without checksum or parts is refused, as the extproc refuses it', () => {
    expect(() => parseBundleIndex('parts: []\nchecksum: abc\n')).toThrow('lists no parts');
    expect(() => parseBundleIndex('parts:\n- name: a\n  path: parts/000\n')).toThrow('no checksum');
    expect(() => parseBundleIndex('')).toThrow('not a YAML mapping');
  });
});

describe('the real controller\'s Secrets (captured)', () => {
  test.each([5, 4])('%i routes: the index names the Gateway\'s part Secret, the checksum holds, the scanner reads the models', (routes) => {
    const index = parseBundleIndex(read(`controller-${routes}-routes.index.yaml`));
    const config = Buffer.from(read(`controller-${routes}-routes.config.yaml`));
    expect(index.version).toBe('v1.1.0');
    expect(index.parts.map((p) => p.name)).toEqual([bundlePartSecretName('aigw-scale', 'fc-test', 0)]);
    expect(bundleIndexSecretName('aigw-scale', 'fc-test')).toBe('aigw-scale-fc-test-7803ec08099e');
    const result = reassemble(index, () => config);
    expect(result.complete).toBe(true);
    const expected = Array.from({ length: routes }, (_, i) => `model-00000${i + 1}`);
    expect(scanModelNamesFast(config.toString('utf8'))!.sort()).toEqual(expected);
    expect(parsedNames(config.toString('utf8')).sort()).toEqual(expected);
  });
});

describe('model-name scanner against the Go marshaller', () => {
  test('awkward names written on one line (quoted, numeric-looking, unicode, indicators): the scanner alone reads them exactly', () => {
    const text = read('go-marshal-edge.yaml');
    const expected = parsedNames(text);
    expect(expected.length).toBe(39);
    expect(scanModelNamesFast(text)).toEqual(expected);
    // only the top-level models: not modelsByHost / unscopedModels
    expect(expected).not.toContain('hosted');
  });

  test('names the marshaller wraps over lines or writes as block scalars: the scanner declines, the fallback parses', () => {
    const text = read('go-marshal-wrapped.yaml');
    expect(scanModelNamesFast(text)).toBeUndefined();
    expect(scanModelNames(text)).toEqual(parsedNames(text));
    expect(scanModelNames(text)).toContain('line\nbreak');
  });

  test('a config without models (no routes: omitempty) has none', () => {
    expect(scanModelNames('backends: []\nuuid: x\nversion: v1.1.0\n')).toEqual([]);
    expect(scanModelNames('models:\n- CreatedAt: "2026-08-21T10:00:00Z"\n  Name: first\n  OwnedBy: x\nuuid: y\n')).toEqual(['first']);
  });

  test('2,000 models: same answer as a full parse, and much cheaper', () => {
    const text = read('go-marshal-2000.yaml.gz');
    const t0 = performance.now();
    const parsed = parsedNames(text);
    const parseMs = performance.now() - t0;
    let scanMs = Infinity;
    let scanned: string[] | undefined;
    for (let i = 0; i < 5; i++) {
      const t1 = performance.now();
      scanned = scanModelNamesFast(text);
      scanMs = Math.min(scanMs, performance.now() - t1);
    }
    expect(scanned).toEqual(parsed);
    expect(parsed).toHaveLength(2000);
    process.stderr.write(`2,000 models (${(text.length / 1024).toFixed(0)} KiB): yaml.parse ${parseMs.toFixed(0)} ms, scanner ${scanMs.toFixed(1)} ms\n`);
    expect(scanMs).toBeLessThan(parseMs / 5);
  });
});
