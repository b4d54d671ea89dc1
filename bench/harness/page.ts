/**
 * Renders the benchmark page (docs/benchmarks.md) and the README's figures from docs/benchmarks.json, and
 * nothing else: every figure a reader sees is one a benchmark wrote.
 */
import { formatRatio, formatValue, METRICS, MetricName } from './metrics';
import { BenchmarksPage, CaseResult, Figure, GoalResult, SectionResult } from './schema';

export const README_BEGIN = '<!-- benchmarks:begin (rendered from docs/benchmarks.json by bench/harness/page.ts; do not edit) -->';
export const README_END = '<!-- benchmarks:end -->';

const metricLabel = (metric: string) => (metric in METRICS ? METRICS[metric as MetricName].label : metric);
const show = (metric: string, value: number) => (metric in METRICS ? formatValue(metric as MetricName, value) : String(value));
const goalLine = (goal: GoalResult) => `| ${goal.text} | ${goal.valueText} | ${goal.met ? '**met**' : '**not met**'} |`;
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(0)} GiB`;

function figureCell(metric: string, figure: Figure | undefined): string {
  if (!figure) return '—';
  const bound = figure.lowerBound ? '≥ ' : '';
  if (figure.samples.length === 1) return `${bound}${show(metric, figure.median)}`;
  return `${bound}**${show(metric, figure.median)}** (${show(metric, figure.min)} – ${show(metric, figure.max)})`;
}

function renderCase(section: SectionResult, benchCase: CaseResult): string[] {
  const metrics = [...new Set(benchCase.sides.flatMap((side) => Object.keys(side.metrics)))];
  const lines = [`### ${section.title}: ${benchCase.title}`, ''];
  lines.push(`| | ${benchCase.sides.map((side) => `${side.name} (${side.rounds} round${side.rounds === 1 ? '' : 's'})`).join(' | ')} |`);
  lines.push(`|---|${benchCase.sides.map(() => '---:').join('|')}|`);
  for (const metric of metrics) lines.push(`| ${metricLabel(metric)} | ${benchCase.sides.map((side) => figureCell(metric, side.metrics[metric])).join(' | ')} |`);
  lines.push('', `Median **bold**, then min – max over the rounds${benchCase.warmedUp ? ', after one untimed warm-up run of each side' : ''}.`, '');
  for (const side of benchCase.sides) {
    lines.push(`- **${side.name}**: ${side.description}`);
    for (const note of side.notes) lines.push(`  - ${note}`);
  }
  if (benchCase.comparisons.length > 0) {
    lines.push('');
    for (const c of benchCase.comparisons) lines.push(`- ${c.subject} against ${c.baseline}, ${metricLabel(c.metric)} (medians): **${formatRatio(c.ratio)}** (${c.difference >= 0 ? '+' : '−'}${show(c.metric, Math.abs(c.difference))})`);
  }
  return [...lines, ''];
}

function renderSection(section: SectionResult): string[] {
  const { machine } = section;
  const lines = [`## ${section.title}`, '', section.method, ''];
  lines.push(`- Command: \`${section.command}\``);
  lines.push(`- Run: ${section.startedAt} – ${section.finishedAt}, ${section.rounds} alternating rounds (the order of the sides rotates each round)`);
  lines.push(`- Machine: ${machine.cores} × ${machine.cpuModel}, ${gib(machine.memoryBytes)}; load average ${machine.loadBefore.join(' / ')} before, ${machine.loadAfter.join(' / ')} after (1 / 5 / 15 min)`);
  lines.push(`- Versions: ${Object.entries(section.versions).map(([name, version]) => `${name} ${version}`).join(', ')}`);
  for (const note of section.notes) lines.push(`- ${note}`);
  lines.push('');
  for (const benchCase of section.cases) lines.push(...renderCase(section, benchCase));
  return lines;
}

const allGoals = (page: BenchmarksPage) => page.sections.flatMap((section) => section.cases.flatMap((c) => c.goals.map((goal) => ({ section, benchCase: c, goal }))));

function goalsTable(page: BenchmarksPage, linkPrefix: string): string[] {
  const rows = allGoals(page).map(({ section, goal }) => goalLine({ ...goal, text: `${goal.text} ([${section.id}](${linkPrefix}#${anchor(section.title)}))` }));
  return ['| goal | this run | |', '|---|---:|---|', ...rows];
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

export function renderPage(page: BenchmarksPage): string {
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Rendered from benchmarks.json by bench/harness/page.ts (npm run bench); do not edit. -->',
    '',
    'Every figure beside its baseline from the same run: each benchmark runs all its sides in alternating rounds and',
    'reports min / median / max. `npm run bench` runs them all (after `npx aigw-scale local build --with-pulumi`);',
    '`npm run bench:<name>` runs one and replaces its section. The goals are ratios or limits from the same run.',
    'A comparison\'s ratio is how many times better the first side is than the second on that metric, from the',
    'medians (above 1×: better; for times, baseline ÷ ours), followed by the difference of the medians.',
    '',
    '## Goals',
    '',
    ...goalsTable(page, ''),
    '',
  ];
  for (const section of page.sections) lines.push(...renderSection(section));
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The README's figures: the goals with their values, linking to the page for the tables. */
export function renderReadmeBlock(page: BenchmarksPage): string {
  const runs = page.sections.map((s) => `${s.id} ${s.startedAt.slice(0, 10)} (load ${s.machine.loadBefore[0]} → ${s.machine.loadAfter[0]})`).join('; ');
  return [README_BEGIN, '', ...goalsTable(page, 'docs/benchmarks.md'), '', `Runs: ${runs}.`, '', README_END].join('\n');
}

/** The README with its benchmark block replaced; fails when the markers are missing. */
export function replaceReadmeBlock(readme: string, page: BenchmarksPage): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no benchmark block (${README_BEGIN} … ${README_END})`);
  return readme.slice(0, begin) + renderReadmeBlock(page) + readme.slice(end + README_END.length);
}
