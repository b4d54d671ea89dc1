/**
 * `npm run bench`: every benchmark with a baseline, one after the other, each in its own process (so none
 * inherits another's heap), into one page: docs/benchmarks.json, docs/benchmarks.md and the README's figures.
 * The options are passed to each (--rounds, --page-dir); `--only synth,apply` runs some. Checks up front that
 * every binary the benchmarks need is built, so a run does not fail an hour in.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { arg } from './args';
import { PROJECT_DIR, SECTION_ORDER } from './harness/page-file';
import { missingBinaries } from './harness/binaries';
import { runScript } from './harness/options';

async function main(): Promise<void> {
  const only = arg('only', SECTION_ORDER.join(',')).split(',');
  const unknown = only.filter((name) => !SECTION_ORDER.includes(name));
  if (unknown.length > 0) throw new Error(`--only takes ${SECTION_ORDER.join(', ')}; unknown: ${unknown.join(', ')}`);
  const missing = missingBinaries(only);
  if (missing.length > 0) throw new Error(`missing binaries, nothing was run:\n${missing.map((m) => `  ${m}`).join('\n')}`);
  const passed = process.argv.slice(2).filter((_, i, all) => all[i] !== '--only' && all[i - 1] !== '--only');
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const started = performance.now();
  for (const [i, name] of only.entries()) {
    console.log(`== bench ${i + 1}/${only.length}: ${name} (${((performance.now() - started) / 60_000).toFixed(1)} min so far)`);
    const result = spawnSync(process.execPath, ['-r', 'tsx/cjs', path.join(PROJECT_DIR, 'bench', `${name}.bench.ts`), ...passed], {
      cwd: PROJECT_DIR,
      stdio: 'inherit',
      env: { ...process.env, AIGW_BENCH_COMMAND: command },
    });
    if (result.status !== 0) throw new Error(`bench:${name} exited ${result.status}; the page keeps the sections written so far`);
  }
  console.log(`== all ${only.length} benchmarks in ${((performance.now() - started) / 60_000).toFixed(1)} min: docs/benchmarks.md`);
}

runScript(main);
