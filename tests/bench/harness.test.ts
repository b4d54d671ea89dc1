import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { README_BEGIN, README_END, renderPage, renderReadmeBlock, replaceReadmeBlock } from '../../bench/harness/page';
import { readPage } from '../../bench/harness/page-file';
import { BenchSection, Side } from '../../bench/harness/section';
import { figureOf, roundOrder } from '../../bench/harness/stats';

const side = (name: string, values: number[], extra: Partial<Side> = {}): Side & { calls: number[] } => {
  const calls: number[] = [];
  return { name, description: `${name} ran`, calls, run: async (round) => (calls.push(round), { metrics: { wallSeconds: values[round] } }), ...extra };
};

describe('benchmark harness', () => {
  let pageDir: string;
  beforeEach(() => {
    pageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-harness-'));
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    fs.rmSync(pageDir, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  it('summarizes rounds as min, median and max', () => {
    expect(figureOf([3, 1, 2])).toEqual({ samples: [3, 1, 2], min: 1, median: 2, max: 3 });
    expect(figureOf([4, 1, 2, 3]).median).toBe(2.5);
    expect(figureOf([5], true).lowerBound).toBe(true);
    expect(() => figureOf([])).toThrow(/at least one/);
  });

  it('rotates the order of the sides each round and drops a side once it has its rounds', () => {
    const sides = [{ name: 'a' }, { name: 'b' }, { name: 'c', rounds: 1 }];
    expect(roundOrder(sides, 0).map((s) => s.name)).toEqual(['a', 'b', 'c']);
    expect(roundOrder(sides, 1).map((s) => s.name)).toEqual(['b', 'a']);
    expect(roundOrder(sides, 2).map((s) => s.name)).toEqual(['a', 'b']);
  });

  it('measures every side each round, compares medians in the right direction and judges goals', async () => {
    const section = new BenchSection({ id: 'synth', title: 'Synthesis', method: 'how', rounds: 3, pageDir });
    const ours = side('ours', [1, 2, 9]);
    const theirs = side('theirs', [10, 20, 30]);
    const slow = side('slow', [100], { rounds: 1 });
    const measured = await section.measure('c1', 'case one', [ours, theirs, slow]);
    expect(ours.calls).toEqual([0, 1, 2]);
    expect(slow.calls).toEqual([0]);
    expect(measured.compare('ours', 'theirs', 'wallSeconds', { text: 'ours ≥ 5× theirs', comparator: '>=', threshold: 5 })).toBe(10);
    expect(measured.compare('ours', 'theirs', 'wallSeconds', { text: 'ours ≥ 20× theirs', comparator: '>=', threshold: 20 })).toBe(10);
    measured.goalOn('ours', 'wallSeconds', { text: 'ours under 1 s', comparator: '<=', threshold: 1 });
    const written = section.finish();
    expect(written.cases[0].goals.map((g) => g.met)).toEqual([true, false, false]);
    expect(written.cases[0].comparisons[0]).toMatchObject({ ratio: 10, difference: -18 });
    expect(written.machine.loadAfter).toHaveLength(3);
    expect(readPage(pageDir).sections.map((s) => s.id)).toEqual(['synth']);
    const markdown = fs.readFileSync(path.join(pageDir, 'benchmarks.md'), 'utf8');
    expect(markdown).toContain('| ours ≥ 5× theirs ([synth](#synthesis)) | 10.00× | **met** |');
    expect(markdown).toContain('| ours under 1 s ([synth](#synthesis)) | 2.00 s | **not met** |');
    expect(markdown).toContain('| wall time (whole process) | **2.00 s** (1.00 s – 9.00 s) | **20.0 s** (10.0 s – 30.0 s) | 100 s |');
  });

  it('a warm-up runs each side once before the rounds and is not counted', async () => {
    const section = new BenchSection({ id: 'synth', title: 'Synthesis', method: '', rounds: 2, pageDir });
    const ours = side('ours', [1, 2]);
    await section.measure('c', 'c', [ours], { warmUp: true });
    expect(ours.calls).toEqual([-1, 0, 1]);
    expect(section.finish().cases[0]).toMatchObject({ warmedUp: true, sides: [{ rounds: 2, metrics: { wallSeconds: { samples: [1, 2] } } }] });
    expect(fs.readFileSync(path.join(pageDir, 'benchmarks.md'), 'utf8')).toContain('after one untimed warm-up run of each side');
  });

  it('a higher-is-better metric divides the other way, and a share below 1 shows as a percentage', async () => {
    const section = new BenchSection({ id: 'apply', title: 'Apply', method: 'how', rounds: 1, pageDir });
    const measured = await section.measure('c', 'c', [
      { name: 'ours', description: '', run: async () => ({ metrics: { objectsPerSecond: 80 } }) },
      { name: 'ceiling', description: '', run: async () => ({ metrics: { objectsPerSecond: 100 } }) },
    ]);
    expect(measured.compare('ours', 'ceiling', 'objectsPerSecond', { text: '≥ 80 % of the ceiling', comparator: '>=', threshold: 0.8 })).toBeCloseTo(0.8);
    expect(section.finish().cases[0].goals[0]).toMatchObject({ met: true, valueText: '80 %' });
  });

  it('replaces a section in place, keeps the others, marks budget-stopped values as lower bounds', async () => {
    for (const [id, value] of [['pulumi', 5], ['synth', 1], ['pulumi', 7]] as const) {
      const section = new BenchSection({ id, title: id, method: '', rounds: 1, pageDir });
      await section.measure('c', 'c', [{ name: 'x', description: '', run: async () => ({ metrics: { upSeconds: value }, stoppedAtBudget: id === 'pulumi' }) }]);
      section.finish();
    }
    const page = readPage(pageDir);
    expect(page.sections.map((s) => [s.id, s.cases[0].sides[0].metrics.upSeconds.median])).toEqual([
      ['synth', 1],
      ['pulumi', 7],
    ]);
    expect(renderPage(page)).toContain('| `pulumi up` | ≥ 7.00 s |');
  });

  it('refuses a bad round count and a README without the block', () => {
    expect(() => new BenchSection({ id: 'x', title: 'x', method: '', rounds: 0, pageDir })).toThrow(/--rounds/);
    expect(() => replaceReadmeBlock('# no block', { sections: [] })).toThrow(/no benchmark block/);
    const readme = `before\n${README_BEGIN}\nold\n${README_END}\nafter\n`;
    expect(replaceReadmeBlock(readme, { sections: [] })).toBe(`before\n${renderReadmeBlock({ sections: [] })}\nafter\n`);
  });
});
