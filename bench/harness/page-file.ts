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

/** Replaces one section of the page (or adds it) and re-renders the page; see `renderPageFiles`. */
export function writePageSection(pageDir: string, section: SectionResult): string[] {
  const rank = (id: string) => (SECTION_ORDER.includes(id) ? SECTION_ORDER.indexOf(id) : SECTION_ORDER.length);
  const sections = [...readPage(pageDir).sections.filter((s) => s.id !== section.id), section].sort((a, b) => rank(a.id) - rank(b.id));
  const page: BenchmarksPage = { sections };
  fs.mkdirSync(pageDir, { recursive: true });
  fs.writeFileSync(path.join(pageDir, 'benchmarks.json'), `${JSON.stringify(page, null, 2)}\n`);
  return renderPageFiles(pageDir, page);
}

/**
 * Renders benchmarks.md from benchmarks.json, and the README's block when the page is the project's own docs/
 * (a run with --page-dir elsewhere leaves the README alone). Returns the files written.
 */
export function renderPageFiles(pageDir: string, page: BenchmarksPage = readPage(pageDir)): string[] {
  const markdown = path.join(pageDir, 'benchmarks.md');
  fs.writeFileSync(markdown, renderPage(page));
  const written = [path.join(pageDir, 'benchmarks.json'), markdown];
  if (path.resolve(pageDir) === path.join(PROJECT_DIR, 'docs')) {
    const readme = path.join(PROJECT_DIR, 'README.md');
    fs.writeFileSync(readme, replaceReadmeBlock(fs.readFileSync(readme, 'utf8'), page));
    written.push(readme);
  }
  return written.map((file) => path.relative(process.cwd(), file));
}
