/** Reads and writes the page files: docs/benchmarks.json, docs/benchmarks.md and the README's figures. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderPage, replaceReadmeBlock } from './page';
import { BenchmarksPage, SectionResult } from './schema';

/** The order sections appear in on the page, whatever order they were run in. */
export const SECTION_ORDER = ['synth', 'apply', 'runner', 'pulumi', 'mock', 'extension-recorder'];

export const PROJECT_DIR = path.resolve(__dirname, '..', '..');

export function readPage(pageDir: string): BenchmarksPage {
  const file = path.join(pageDir, 'benchmarks.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as BenchmarksPage) : { sections: [] };
}

/**
 * Replaces one section of the page and re-renders it. The README's block is rewritten only when the page is the
 * project's own docs/ (a run with --page-dir elsewhere leaves the README alone).
 */
export function writePageSection(pageDir: string, section: SectionResult): string[] {
  const rank = (id: string) => (SECTION_ORDER.includes(id) ? SECTION_ORDER.indexOf(id) : SECTION_ORDER.length);
  const sections = [...readPage(pageDir).sections.filter((s) => s.id !== section.id), section].sort((a, b) => rank(a.id) - rank(b.id));
  const page: BenchmarksPage = { sections };
  fs.mkdirSync(pageDir, { recursive: true });
  const json = path.join(pageDir, 'benchmarks.json');
  const markdown = path.join(pageDir, 'benchmarks.md');
  fs.writeFileSync(json, `${JSON.stringify(page, null, 2)}\n`);
  fs.writeFileSync(markdown, renderPage(page));
  const written = [json, markdown];
  if (path.resolve(pageDir) === path.join(PROJECT_DIR, 'docs')) {
    const readme = path.join(PROJECT_DIR, 'README.md');
    fs.writeFileSync(readme, replaceReadmeBlock(fs.readFileSync(readme, 'utf8'), page));
    written.push(readme);
  }
  return written.map((file) => path.relative(process.cwd(), file));
}
