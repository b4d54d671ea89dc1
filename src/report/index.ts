/** Report renderers, SLO gates, validity, JUnit, repeats and run comparison. Depends on nothing of ours but src/results/. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BenchResults } from '../results/schema';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';
import { Summary, summarize } from './summary';

export { CompareError, compareResults } from './compare';
export type { CompareOptions, Comparison } from './compare';
export type { MetricComparison } from './compare-metrics';
export { formatComparison } from './comparison-text';
export { renderHtml } from './html';
export { JUNIT_FILE, renderJUnit } from './junit';
export { renderMarkdown } from './markdown';
export { milestoneTable } from './milestones';
export type { MilestoneLatency, MilestoneTable } from './milestones';
export { REPEATS_JSON, REPEATS_MARKDOWN, renderRepeatsMarkdown, summarizeRepeats, writeRepeatReports } from './repeats';
export type { RepeatSummary, WrittenRepeatReports } from './repeats';
export { evaluateSlo } from './slo';
export type { GateResult } from './slo';
export { summarize } from './summary';
export type { Summary } from './summary';
export { DEFAULT_THRESHOLDS } from './thresholds';
export type { Thresholds } from './thresholds';
export { assessValidity } from './validity';
export type { Validity } from './validity';

export const REPORT_MARKDOWN = 'report.md';
export const REPORT_HTML = 'report.html';
/** The summary (everything the reports print, incl. per-milestone percentiles, gates and validity) as JSON. */
export const REPORT_SUMMARY = 'summary.json';

export interface WrittenReports {
  /** Absolute path of report.md. */
  readonly markdown: string;
  /** Absolute path of report.html. */
  readonly html: string;
  /** Absolute path of summary.json. */
  readonly summary: string;
}

/** Writes report.md, report.html and summary.json into `dir` (created if needed); returns their absolute paths. */
export async function writeReports(results: BenchResults, dir: string, summary: Summary = summarize(results)): Promise<WrittenReports> {
  const markdown = renderMarkdown(results, summary);
  const html = await renderHtml(results, summary);
  fs.mkdirSync(dir, { recursive: true });
  const paths = { markdown: path.resolve(dir, REPORT_MARKDOWN), html: path.resolve(dir, REPORT_HTML), summary: path.resolve(dir, REPORT_SUMMARY) };
  fs.writeFileSync(paths.markdown, markdown);
  fs.writeFileSync(paths.html, html);
  fs.writeFileSync(paths.summary, `${JSON.stringify(summary, null, 2)}\n`);
  return paths;
}
