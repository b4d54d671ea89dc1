/**
 * The whole CLI as one file (`bundleCli()`), which the BenchJob runs in the cluster. It carries the mock
 * provider's bundle as a string (esbuild cannot run in a pod, so `bench --mock-provider` uses that), and it is
 * minified so that it fits a ConfigMap once gzipped. Build-time only: it needs esbuild.
 */

import { Plugin, build } from 'esbuild';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { MOCK_PROVIDER_BUNDLE_PATH, bundleMockProvider } from '../mock-provider/bundle';
import { PROJECT_ROOT } from '../upstream/dirs';

/** Where `npm run build` writes the CLI bundle, relative to the repository root. */
export const CLI_BUNDLE_PATH = path.join('dist', 'aigw-scale.js');
/** The CLI bundle's file name in a pod (the BenchJob's ConfigMap key). */
export const CLI_BUNDLE_FILE = 'aigw-scale.js';
/**
 * The largest gzipped CLI bundle that fits a ConfigMap: binaryData is base64 (4/3 of the bytes), under the
 * 1 MiB object limit less 16 KiB of headroom (the same limit constructs/node-bundle.ts checks).
 */
export const CLI_BUNDLE_MAX_GZIP_BYTES = Math.floor(((1024 * 1024 - 16 * 1024) * 3) / 4) - 1024;

/** Packages the CLI reaches only through optional `require`s it never needs (vega's canvas renderer). */
const CLI_EXTERNALS = ['canvas'];

/**
 * In the CLI bundle, the build-time helpers that need esbuild are replaced: bundleMockProvider() returns the
 * mock provider's bundle embedded as a string; bundleCli() returns the running bundle's own text. esbuild
 * itself must not end up in the bundle (it needs a native binary).
 */
function cliReplacements(mockProviderCode: string): Plugin {
  const mockBundleModule = path.join(PROJECT_ROOT, 'src', 'mock-provider', 'bundle.ts');
  const cliBundleModule = path.join(PROJECT_ROOT, 'src', 'cli', 'bundle.ts');
  return {
    name: 'aigw-scale-cli-replacements',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^esbuild$/ }, (args) => ({
        errors: [{ text: `esbuild must not be bundled into the CLI (imported by ${path.relative(PROJECT_ROOT, args.importer)}); route the import through a replaced module` }],
      }));
      pluginBuild.onLoad({ filter: /bundle\.ts$/ }, (args) => {
        if (args.path === mockBundleModule) {
          return {
            loader: 'js',
            contents: [
              `exports.MOCK_PROVIDER_BUNDLE_PATH = ${JSON.stringify(MOCK_PROVIDER_BUNDLE_PATH)};`,
              `const code = ${JSON.stringify(mockProviderCode)};`,
              'exports.bundleMockProvider = async () => code;',
            ].join('\n'),
          };
        }
        if (args.path === cliBundleModule) {
          return {
            loader: 'js',
            contents: [
              `exports.CLI_BUNDLE_PATH = ${JSON.stringify(CLI_BUNDLE_PATH)};`,
              `exports.CLI_BUNDLE_FILE = ${JSON.stringify(CLI_BUNDLE_FILE)};`,
              `exports.CLI_BUNDLE_MAX_GZIP_BYTES = ${CLI_BUNDLE_MAX_GZIP_BYTES};`,
              "exports.bundleCli = async () => require('fs').readFileSync(__filename, 'utf8');",
            ].join('\n'),
          };
        }
        return undefined;
      });
    },
  };
}

/**
 * The CLI as one file for `node` (platform node, target node20, CommonJS, minified): `node aigw-scale.js …`
 * behaves like `npx aigw-scale …`. Throws when it would not fit a ConfigMap after gzip.
 */
export async function bundleCli(): Promise<string> {
  const mockProviderCode = await bundleMockProvider();
  const result = await build({
    stdin: { contents: "require('./src/cli/main').main(process.argv);", resolveDir: PROJECT_ROOT, sourcefile: 'aigw-scale-cli.js', loader: 'js' },
    absWorkingDir: PROJECT_ROOT, // stable output for the same sources (the pod template carries its checksum)
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    keepNames: true, // readable error names and stack traces
    sourcemap: false,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
    external: CLI_EXTERNALS,
    banner: { js: '#!/usr/bin/env node\n// aigw-scale CLI, bundled from src/cli/main.ts by `npm run build`; do not edit.' },
    plugins: [cliReplacements(mockProviderCode)],
  });
  const text = result.outputFiles[0].text;
  const gzipBytes = gzipSync(text, { level: 9 }).length;
  if (gzipBytes > CLI_BUNDLE_MAX_GZIP_BYTES) {
    throw new Error(
      `the CLI bundle is ${text.length} bytes, ${gzipBytes} gzipped: over the ${CLI_BUNDLE_MAX_GZIP_BYTES}-byte gzip budget that fits a ConfigMap (base64 in binaryData, 1 MiB object limit); drop a dependency from the CLI's import graph`,
    );
  }
  return text;
}
