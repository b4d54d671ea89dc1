/**
 * The README quotes figures only from the pages the benchmarks write: its benchmark block is exactly what the
 * renderer makes of docs/benchmarks.json, and every figure in a block marked `<!-- figures from PAGE -->`
 * appears in that page.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { README_BEGIN, README_END, renderReadmeBlock } from '../../bench/harness/page';
import { readPage } from '../../bench/harness/page-file';

const ROOT = path.resolve(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** Figures worth checking: numbers with at least three digits or a decimal point (not "4Mi", "2 cores"). */
function figuresIn(text: string): string[] {
  return (text.match(/\d[\d,]*(?:\.\d+)?/g) ?? []).filter((token) => token.includes('.') || token.replace(/,/g, '').length >= 3);
}

describe('the README quotes the benchmark pages', () => {
  it("has the benchmark block rendered from docs/benchmarks.json (re-render with any `npm run bench:<name>`)", () => {
    const page = readPage(path.join(ROOT, 'docs'));
    expect(page.sections.length).toBeGreaterThan(0);
    const block = readme.slice(readme.indexOf(README_BEGIN), readme.indexOf(README_END) + README_END.length);
    expect(block).toBe(renderReadmeBlock(page));
  });

  const blocks = [...readme.matchAll(/<!-- figures from (\S+) -->([\s\S]*?)<!-- \/figures -->/g)];
  it('marks the figures it quotes from other pages', () => {
    expect(blocks.map((b) => b[1]).sort()).toEqual(['docs/controllers.md', 'docs/grpc-limit.md']);
  });

  it.each(blocks.map((b) => [b[1], b[2]]))('every figure quoted from %s is on that page', (page, block) => {
    const text = fs.readFileSync(path.join(ROOT, page), 'utf8');
    const figures = figuresIn(block);
    expect(figures.length).toBeGreaterThan(5);
    expect(figures.filter((figure) => !text.includes(figure))).toEqual([]);
  });

  it('the figure check catches a figure the page does not have', () => {
    expect(figuresIn('ceiling 1,306 routes at 4Mi on 2 cores, 0.8 s, 41.1 s')).toEqual(['1,306', '0.8', '41.1']);
  });
});
