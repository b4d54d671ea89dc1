// The CLI as one CommonJS file for this checkout (dist/cli.cjs; its npm packages stay in node_modules), rebuilt
// with esbuild whenever a source file is newer. Starting through tsx looks up or compiles about 150 files and
// 1.2 MB of generated bindings on every run, about a second of CPU; the bundle starts in a tenth of that, and
// `npm ci` still needs no build step. Plain JavaScript: it runs before anything can compile TypeScript.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BUNDLE = path.join(ROOT, 'dist', 'cli.cjs');
/** Everything the CLI is built from: a change in any of them makes the bundle stale. */
const SOURCES = ['src', 'charts', 'constructs', 'package.json', 'package-lock.json'];

function newestSourceMs(entry) {
  const stat = fs.statSync(entry, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its folder's time
  for (const name of fs.readdirSync(entry)) newest = Math.max(newest, newestSourceMs(path.join(entry, name)));
  return newest;
}

/** The bundle's path, built first when missing or stale; undefined when it cannot be built (then tsx runs). */
function freshBundle() {
  const built = fs.statSync(BUNDLE, { throwIfNoEntry: false });
  if (built && built.mtimeMs >= Math.max(...SOURCES.map((entry) => newestSourceMs(path.join(ROOT, entry))))) return BUNDLE;
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    return undefined;
  }
  // Written aside and renamed, so parallel runs never load a half-written bundle.
  const temp = `${BUNDLE}.tmp-${process.pid}`;
  try {
    esbuild.buildSync({
      entryPoints: [path.join(ROOT, 'src', 'cli', 'main.ts')],
      outfile: temp,
      bundle: true,
      packages: 'external',
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      keepNames: true,
      logLevel: 'silent',
    });
    fs.renameSync(temp, BUNDLE);
    return BUNDLE;
  } catch {
    fs.rmSync(temp, { force: true });
    return undefined;
  }
}

module.exports = { freshBundle };
