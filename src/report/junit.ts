/**
 * JUnit XML for CI: one test suite per run (`<scenario name> #<repeat>`), one test case per SLO gate and one for
 * the run's validity. Failed gates and an invalid run are failures carrying the reason.
 */
import { BenchResults } from '../results/schema';
import { milestoneTable } from './milestones';
import { evaluateSlo } from './slo';
import { assessValidity } from './validity';

/** The file name bench writes beside results.json (one for all repeats). */
export const JUNIT_FILE = 'junit.xml';

/** Escapes text for XML attribute values and element content; drops characters XML 1.0 cannot hold. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

const attributes = (values: Record<string, string | number>): string =>
  Object.entries(values)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');

interface Case {
  readonly name: string;
  /** Absent: passed. */
  readonly failure?: { readonly type: string; readonly message: string };
}

function suiteName(results: BenchResults, position: number): string {
  return `${results.scenario?.name ?? 'aigw-scale'} #${results.repeat?.index ?? position}`;
}

function renderSuite(results: BenchResults, position: number): { xml: string; tests: number; failures: number; seconds: number } {
  const table = milestoneTable(results);
  const validity = assessValidity(results, table);
  const cases: Case[] = evaluateSlo(results, table).map((g) => ({
    name: `slo ${g.metric} <= ${g.max}`,
    ...(!g.passed && { failure: { type: 'slo', message: g.message } }),
  }));
  cases.push({ name: 'validity', ...(!validity.valid && { failure: { type: 'invalid-run', message: validity.reasons.join('; ') } }) });

  const started = Date.parse(results.run.startedAt);
  const finished = Date.parse(results.run.finishedAt);
  const seconds = Number.isFinite(started) && Number.isFinite(finished) ? Math.max(0, (finished - started) / 1000) : 0;
  const name = suiteName(results, position);
  const failures = cases.filter((c) => c.failure).length;
  const properties: [string, string][] = [
    ['run.id', results.run.id],
    ['run.mode', results.run.mode],
    ['tool.version', results.tool.version],
    ...Object.entries(results.versions ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]): [string, string] => [`version.${k}`, v]),
  ];
  const lines = [
    `  <testsuite${attributes({ name, tests: cases.length, failures, errors: 0, skipped: 0, time: seconds.toFixed(3), timestamp: results.run.startedAt })}>`,
    '    <properties>',
    ...properties.map(([k, v]) => `      <property${attributes({ name: k, value: v })}/>`),
    '    </properties>',
    ...cases.map((c) =>
      c.failure
        ? `    <testcase${attributes({ classname: name, name: c.name })}>\n      <failure${attributes({ type: c.failure.type, message: c.failure.message })}>${escapeXml(c.failure.message)}</failure>\n    </testcase>`
        : `    <testcase${attributes({ classname: name, name: c.name })}/>`,
    ),
    '  </testsuite>',
  ];
  return { xml: lines.join('\n'), tests: cases.length, failures, seconds };
}

/** JUnit XML for the runs (one per repeat, in order). */
export function renderJUnit(runs: readonly BenchResults[]): string {
  const suites = runs.map((r, i) => renderSuite(r, i + 1));
  const total = (key: 'tests' | 'failures' | 'seconds') => suites.reduce((sum, s) => sum + s[key], 0);
  const name = runs[0]?.scenario?.name ?? 'aigw-scale';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name, tests: total('tests'), failures: total('failures'), errors: 0, time: total('seconds').toFixed(3) })}>`,
    ...suites.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
}
