import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExtprocModelsWatch, ModelsLine, applyModelsLine, parseModelsLine } from '../../src/controlplane/extproc-models';

/**
 * Captured from a real run of `aigw-scale-probe models` against the AI Gateway v1.1.0 extproc (see
 * fixtures/probe/README.md): started on the probe-test fixture's filter config with 3 routes, then fed the
 * config with 2.
 */
const FIXTURE = path.join(__dirname, 'fixtures', 'probe', 'models-probe-test.jsonl');
const fixtureLines = fs
  .readFileSync(FIXTURE, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '');

describe('parseModelsLine on real probe output', () => {
  it('parses every line, and the changes add up to each count', () => {
    const lines = fixtureLines.map(parseModelsLine);
    const models = new Set<string>();
    const sets: string[][] = [];
    for (const line of lines) {
      if (line.type !== 'models') continue;
      applyModelsLine(models, line);
      sets.push([...models].sort());
    }
    expect(sets.length).toBeGreaterThanOrEqual(2);
    expect(sets).toContainEqual(['model-000001', 'model-000002', 'model-000003']);
    expect(sets[sets.length - 1]).toEqual(['model-000001', 'model-000002']);
  });

  it('rejects what the probe never prints, and a count that does not add up', () => {
    expect(() => parseModelsLine('{"t":1,"type":"models","added":[],"removed":[]}')).toThrow(/count/);
    expect(() => parseModelsLine('{"t":1,"type":"models","count":1,"added":[1],"removed":[]}')).toThrow(/added/);
    expect(() => parseModelsLine('{"t":1,"type":"other"}')).toThrow(/unknown line type/);
    expect(parseModelsLine('{"t":5,"type":"error","error":"rpc error"}')).toEqual({ t: 5, type: 'error', error: 'rpc error' });
    const line = parseModelsLine('{"t":1,"type":"models","count":2,"added":["a"],"removed":[]}') as Extract<ModelsLine, { type: 'models' }>;
    expect(() => applyModelsLine(new Set(), line)).toThrow(/1 ids after an update that says 2/);
  });
});

describe('ExtprocModelsWatch', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'extproc-models-test-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails on a missing binary, naming the build command', () => {
    expect(() => ExtprocModelsWatch.start({ binary: path.join(dir, 'missing'), addr: '127.0.0.1:1', onModels: () => undefined })).toThrow(
      /npx aigw-scale local build --with-controllers/,
    );
  });

  it('runs the binary with the flags and reports each model set', async () => {
    const fake = path.join(dir, 'fake-probe');
    fs.writeFileSync(fake, `#!/bin/sh\necho "$@" > "${dir}/args"\ncat "${FIXTURE}"\nexec sleep 30\n`, { mode: 0o755 });
    const sets: { t: number; models: string[] }[] = [];
    let lines = 0;
    const watch = ExtprocModelsWatch.start({
      binary: fake,
      addr: 'unix:///tmp/ext.sock',
      intervalMs: 250,
      onModels: (t, models) => sets.push({ t, models: [...models].sort() }),
      onEvent: () => lines++,
    });
    const deadline = Date.now() + 10_000;
    while (lines < fixtureLines.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await watch.stop();
    expect(lines).toBe(fixtureLines.length);
    expect(sets[sets.length - 1].models).toEqual(['model-000001', 'model-000002']);
    expect([...watch.models()].sort()).toEqual(['model-000001', 'model-000002']);
    expect(fs.readFileSync(path.join(dir, 'args'), 'utf8').trim()).toBe('models --addr unix:///tmp/ext.sock --interval 250ms --host localhost');
    expect(watch.errors.filter((e) => !e.startsWith('extproc: '))).toEqual([]);
  });

  it('refuses a non-positive interval', () => {
    expect(() => ExtprocModelsWatch.start({ binary: '/bin/true', addr: 'a', intervalMs: 0, onModels: () => undefined })).toThrow(/intervalMs/);
  });
});
