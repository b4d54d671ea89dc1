/**
 * `npm run build`: bundles the code shipped into pods into single files under dist/. Each bundle is one
 * self-contained file that `node <file>` runs; the CLI and Pulumi read them and pass them to the constructs.
 *
 * - dist/mock-provider.js: the mock LLM provider (src/mock-provider/bundle.ts).
 * - dist/aigw-scale.js: the whole CLI (src/cli/bundle.ts), which the BenchJob runs in the cluster.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CLI_BUNDLE_PATH, bundleCli } from '../src/cli/bundle';
import { MOCK_PROVIDER_BUNDLE_PATH, bundleMockProvider } from '../src/mock-provider/bundle';

const REPO_ROOT = path.resolve(__dirname, '..');

interface BundleTarget {
  readonly name: string;
  /** Output path relative to the repository root. */
  readonly out: string;
  readonly build: () => Promise<string>;
}

const TARGETS: readonly BundleTarget[] = [
  { name: 'mock provider', out: MOCK_PROVIDER_BUNDLE_PATH, build: bundleMockProvider },
  { name: 'CLI', out: CLI_BUNDLE_PATH, build: bundleCli },
];

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  for (const target of TARGETS) {
    const started = performance.now();
    const text = await target.build();
    const file = path.join(REPO_ROOT, target.out);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode: 0o755 });
    const bytes = Buffer.byteLength(text);
    process.stdout.write(
      `${target.name}: ${target.out} ${kib(bytes)} (gzip ${kib(gzipSync(text).length)}) in ${(performance.now() - started).toFixed(0)} ms\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bundle: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
