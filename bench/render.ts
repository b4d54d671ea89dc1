/**
 * `npm run bench:render`: re-renders docs/benchmarks.md and the README's block from docs/benchmarks.json,
 * without running anything (after a renderer change, or when a benchmark wrote its section from another
 * checkout with --page-dir). Options: --page-dir docs
 */
import { commonOptions } from './harness/options';
import { renderPageFiles } from './harness/page-file';

console.log(`rendered ${renderPageFiles(commonOptions().pageDir).join(', ')}`);
