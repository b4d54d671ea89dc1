/**
 * Build-time only: bundles the standalone mock provider (cli-entry.ts and what it imports) into one CommonJS
 * file for `node`, which the MockProvider construct ships into pods through a ConfigMap. Nothing in the server
 * imports this file (it needs esbuild); the CLI and Pulumi call it and pass the text to the construct as a
 * prop, so synthesis stays pure.
 */

import { Plugin, build } from 'esbuild';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../upstream/dirs';

/** The bundle's entry point. */
export const MOCK_PROVIDER_ENTRY = path.join(PROJECT_ROOT, 'src', 'mock-provider', 'cli-entry.ts');
/** Where `npm run build` writes the bundle, relative to the repository root. */
export const MOCK_PROVIDER_BUNDLE_PATH = path.join('dist', 'mock-provider.js');


/** Fails the build when the server imports anything but node built-ins and its own files. */
const standaloneOnly: Plugin = {
  name: 'mock-provider-standalone',
  setup(pluginBuild) {
    const ownDir = path.dirname(MOCK_PROVIDER_ENTRY);
    pluginBuild.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point' || args.path.startsWith('node:')) return undefined;
      if (args.path.startsWith('.')) {
        const resolved = path.resolve(args.resolveDir, args.path);
        if (path.dirname(resolved) === ownDir && path.basename(resolved) !== 'bundle') return undefined;
      }
      return { errors: [{ text: `the mock provider must stand alone: ${JSON.stringify(args.path)} imported by ${path.relative(PROJECT_ROOT, args.importer)} is neither a node: built-in nor a file of src/mock-provider/` }] };
    });
  },
};

/** The bundle's text: platform node, target node20, CommonJS, not minified (readable in a pod). */
export async function bundleMockProvider(): Promise<string> {
  const result = await build({
    entryPoints: [MOCK_PROVIDER_ENTRY],
    absWorkingDir: PROJECT_ROOT, // stable path comments, so the same sources give the same bytes (and checksum)
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
    banner: { js: '#!/usr/bin/env node\n// aigw-scale mock provider, bundled from src/mock-provider/ by `npm run build`; do not edit.' },
    plugins: [standaloneOnly],
  });
  return result.outputFiles[0].text;
}
