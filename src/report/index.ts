/** Report renderers and run comparison. Depends on nothing of ours but the results schema. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BenchResults } from '../results/schema';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';
import { Summary, summarize } from './summary';

export { compareResults, formatComparison } from './compare';
export type { Comparison, MetricComparison } from './compare';
export { renderHtml } from './html';
export { renderMarkdown } from './markdown';
export { summarize } from './summary';
export type { Summary } from './summary';
export { DEFAULT_THRESHOLDS } from './thresholds';
export type { Thresholds } from './thresholds';

export const REPORT_MARKDOWN = 'report.md';
export const REPORT_HTML = 'report.html';

export interface WrittenReports {
  /** Absolute path of report.md. */
  readonly markdown: string;
  /** Absolute path of report.html. */
  readonly html: string;
}

/** Writes report.md and report.html into `dir` (created if needed); returns their absolute paths. */
export async function writeReports(results: BenchResults, dir: string, summary: Summary = summarize(results)): Promise<WrittenReports> {
  const markdown = renderMarkdown(results, summary);
  const html = await renderHtml(results, summary);
  fs.mkdirSync(dir, { recursive: true });
  const paths = { markdown: path.resolve(dir, REPORT_MARKDOWN), html: path.resolve(dir, REPORT_HTML) };
  fs.writeFileSync(paths.markdown, markdown);
  fs.writeFileSync(paths.html, html);
  return paths;
}
