/**
 * One synthesis in a fresh process, so each measurement has its own heap and peak RSS.
 * Usage: tsx bench/synth-worker.ts <ours|cdk8s> <routes> <outDir>; prints one JSON line.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveFixtureSpec } from '../charts/fixture-spec';
import { fixtureParts } from '../charts/scale-fixture';
import { writeFixture } from '../src/synth/write-fixture';

const [mode, routesText, outDir] = process.argv.slice(2);
const spec = resolveFixtureSpec({ routes: Number(routesText), backends: 10 });
const started = performance.now();

if (mode === 'ours') {
  writeFixture(fixtureParts(spec), outDir);
} else if (mode === 'cdk8s') {
  // The baseline: the same objects as bare ApiObjects in a plain chart, synthesized by cdk8s itself.
  const app = new App({ outdir: outDir });
  const chart = new Chart(app, 'fixture', { disableResourceNameHashes: true });
  for (const part of fixtureParts(spec)) {
    for (const manifest of part.manifests) new ApiObject(chart, `${manifest.kind}-${manifest.metadata.name}`, manifest);
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'fixture.k8s.yaml'), app.synthYaml());
} else {
  throw new Error(`unknown mode ${mode}`);
}

const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ seconds, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
