import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { makeResults } from './make-results';

const BIN = path.join(__dirname, '..', '..', 'bin', 'aigw-scale.cjs');
/** The real CLI in a child process: exit codes as a shell sees them. */
const spawn = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

/** The CLI in this process (fast): captures stdout/stderr and the exit code, and restores them. */
async function inProcess(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => (out.push(String(chunk)), true));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => (err.push(String(chunk)), true));
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await main(['node', 'aigw-scale', ...args]);
    return { status: Number(process.exitCode ?? 0), stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.exitCode = saved;
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('aigw-scale report / compare', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-report-cli-'));
    const write = (name: string, seed: number, extra = {}) => fs.writeFileSync(file(name), JSON.stringify(makeResults({ routes: 300, seed, runId: name.replace('.json', ''), ...extra }).results));
    fs.mkdirSync(file('run'));
    write('run/results.json', 1);
    write('base.json', 1);
    write('base2.json', 4);
    write('rerun.json', 2);
    write('rerun2.json', 5);
    write('worse.json', 3, { ttfsFactor: 1.5, memoryPerRouteFactor: 1.3 });
    write('worse2.json', 6, { ttfsFactor: 1.5, memoryPerRouteFactor: 1.3 });
    fs.writeFileSync(file('v3.json'), JSON.stringify({ ...JSON.parse(fs.readFileSync(file('base.json'), 'utf8')), schemaVersion: 3 }));
    fs.writeFileSync(file('broken.json'), '{"schemaVersion": 1, ');
    // bench --repeat layouts: DIR/run-<k>/results.json (run-10 sorts after run-2)
    for (const [k, seed] of [[1, 11], [2, 12], [10, 13]]) {
      fs.mkdirSync(file(`repeats-base/run-${k}`), { recursive: true });
      write(`repeats-base/run-${k}/results.json`, seed);
      fs.mkdirSync(file(`repeats-worse/run-${k}`), { recursive: true });
      write(`repeats-worse/run-${k}/results.json`, seed + 10, { ttfsFactor: 1.5, memoryPerRouteFactor: 1.3 });
    }
    write('invalid.json', 7, { interrupted: true });
    fs.mkdirSync(file('empty-dir'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('report writes report.md and report.html beside the results and prints their paths', () => {
    const result = spawn('report', file('run/results.json'));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${file('run/report.md')}\n${file('run/report.html')}\n${file('run/summary.json')}\n`);
    expect(JSON.parse(fs.readFileSync(file('run/summary.json'), 'utf8')).milestones[0]).toMatchObject({ milestone: 'firstSuccess', reached: 299, missed: 0 });
    expect(fs.readFileSync(file('run/report.md'), 'utf8')).toContain('# aigw-scale report — run run/results');
    expect(fs.readFileSync(file('run/report.html'), 'utf8')).toContain('<svg');
  });

  test('report --out DIR --json', async () => {
    const result = await inProcess('report', file('base.json'), '--out', file('out'), '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ markdown: file('out/report.md'), html: file('out/report.html'), summary: file('out/summary.json'), run: 'base', valid: true, invalidBecause: [], slo: [] });
    expect(fs.existsSync(file('out/report.html'))).toBe(true);
  });

  test('compare: an unchanged rerun exits 0', () => {
    const result = spawn('compare', file('base.json'), file('rerun.json'));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^ok +TTFS p50 /m);
    expect(result.stdout).toContain('a single run per side cannot establish run-to-run significance');
    expect(result.stdout.trimEnd().endsWith('no regression')).toBe(true);
  });

  test('compare: a planted regression (TTFS +50 %, memory per route +30 %) exits 1', () => {
    const result = spawn('compare', file('base.json'), file('worse.json'));
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^REGRESSION +TTFS p50 /m);
    expect(result.stdout).toMatch(/^REGRESSION +TTFS p99 /m);
    expect(result.stdout).toMatch(/^REGRESSION +memory per route: Envoy Gateway controller /m);
    expect(result.stdout).toMatch(/^ok +peak memory: Envoy Gateway controller /m);
  });

  test('compare --json', async () => {
    const result = await inProcess('compare', file('base.json'), file('worse.json'), '--json', '--iterations', '500');
    expect(result.status).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json.regressions).toBe(5);
    expect(json.files).toEqual({ base: [file('base.json')], next: [file('worse.json')] });
    expect(json.comparisons[0]).toMatchObject({ metric: 'TTFS p50', regression: true, significant: true, unit: 'ms' });
  });

  test('several runs per side: BASE… -- NEW… and --base/--new', async () => {
    const split = await inProcess('compare', '--iterations', '500', file('base.json'), file('base2.json'), '--', file('worse.json'), file('worse2.json'));
    expect(split.status).toBe(1);
    expect(split.stdout).toContain(`base: base, base2\nnew:  worse, worse2`);
    expect(split.stdout).toContain('two-level bootstrap');
    const flags = await inProcess('compare', '--base', file('base.json'), '--base', file('base2.json'), '--new', file('rerun.json'), '--new', file('rerun2.json'), '--iterations', '500');
    expect(flags.stderr).toBe('');
    expect(flags.status).toBe(0);
  });

  test('a side may be a directory of repeats (run-<k>/results.json); invalid runs are excluded or refused', async () => {
    const result = await inProcess('compare', file('repeats-base'), file('repeats-worse'), '--iterations', '300', '--json');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json.files.base).toEqual([1, 2, 10].map((k) => file(`repeats-base/run-${k}/results.json`)));
    expect(json.significantDifferences).toEqual(expect.arrayContaining(['TTFS p50', 'TTFS p99']));

    const mixed = await inProcess('compare', '--base', file('base.json'), '--base', file('invalid.json'), '--new', file('rerun.json'), '--iterations', '300');
    expect(mixed.status).toBe(0);
    expect(mixed.stdout).toContain('warning: base run invalid is invalid and was excluded: the run was interrupted before it finished');
    const refused = await inProcess('compare', file('invalid.json'), file('base.json'));
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(
      'aigw-scale: every base run is invalid, nothing to compare: invalid (the run was interrupted before it finished). Rerun it, or pass --include-invalid to compare invalid runs anyway.\n',
    );
    const included = await inProcess('compare', file('invalid.json'), file('base.json'), '--include-invalid', '--iterations', '300');
    expect(included.status).toBe(0);
    expect(included.stdout).toContain('warning: base run invalid is invalid (compared anyway, as asked)');
  });

  test('thresholds from a file and from flags', async () => {
    fs.writeFileSync(file('lenient.json'), JSON.stringify({ ttfsP50: { relative: '60%' }, ttfsP99: { relative: '60%' }, memoryPerRoute: { absolute: '8KiB' } }));
    expect((await inProcess('compare', file('base.json'), file('worse.json'), '--threshold-file', file('lenient.json'), '--iterations', '200')).status).toBe(0);
    const flags = await inProcess('compare', file('base.json'), file('worse.json'), '--threshold', 'ttfsP50=60%', '--threshold', 'ttfs-p99=60%', '--threshold', 'memoryPerRoute=8KiB', '--iterations', '200');
    expect(flags.status).toBe(0);
  });

  test('bad input exits 2 with a clear message (child process)', () => {
    const missing = spawn('compare', file('nope.json'), file('base.json'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`aigw-scale: cannot read ${file('nope.json')}: no such file\n`);
    const version = spawn('compare', file('base.json'), file('v3.json'));
    expect(version.status).toBe(2);
    expect(version.stderr).toBe(`aigw-scale: ${file('v3.json')} has schemaVersion 3; this aigw-scale reads versions 1, 2\n`);
  });

  test.each([
    [['compare', 'BROKEN', 'BASE'], /is not JSON/],
    [['compare', 'BASE'], /expected 2 results files, got 1/],
    [['compare', 'BASE', 'BASE', 'BASE'], /expected 2 results files, got 3/],
    [['compare', 'BASE', '--'], /need at least one results file on each side of --/],
    [['compare', '--base', 'BASE'], /--new is missing/],
    [['compare', '--base', 'BASE', '--new', 'BASE', 'BASE'], /either as --base\/--new or as arguments, not both/],
    [['compare', 'BASE', 'BASE', '--threshold', 'latency=10%'], /unknown threshold "latency"/],
    [['compare', 'BASE', 'BASE', '--threshold-file', 'NOPE'], /cannot read --threshold-file/],
    [['compare', 'BASE', 'BASE', '--iterations', '5'], /--iterations: got "5"; allowed: an integer from 100/],
    [['compare', 'BASE', 'BASE', '--confidence', '95'], /--confidence: got "95"/],
    [['report', 'V3'], /has schemaVersion 3/],
    [['report', 'DIR'], /cannot read .*: it is a directory/],
    [['compare', 'EMPTY', 'BASE'], /empty-dir is a directory without results\.json or run-\*\/results\.json/],
  ])('bad input %j exits 2', async (args, message) => {
    const names: Record<string, string> = { BROKEN: file('broken.json'), BASE: file('base.json'), NOPE: file('nope.json'), V3: file('v3.json'), DIR: dir, EMPTY: file('empty-dir') };
    const result = await inProcess(...args.map((a) => names[a] ?? a));
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
  });
});
