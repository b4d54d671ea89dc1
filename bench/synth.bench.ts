/**
 * `npm run bench:synth`: wall time and peak RSS of `aigw-scale synth` (streaming) against plain cdk8s
 * (`app.synthYaml()` over the same objects as bare ApiObjects), measured in the same run, each synthesis
 * in its own process. Options: --routes 2000,10000,50000  --repeat 1
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { arg } from './args';

interface Sample {
  seconds: number;
  peakRssBytes: number;
  processSeconds: number;
}

const routeCounts = arg('routes', '2000,10000,50000').split(',').map(Number);
const repeat = Number(arg('repeat', '1'));
const worker = path.join(__dirname, 'synth-worker.ts');

function measure(mode: 'ours' | 'cdk8s', routes: number): Sample {
  const samples: Sample[] = [];
  for (let i = 0; i < repeat; i++) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `aigw-scale-bench-${mode}-`));
    try {
      const started = performance.now();
      const line = execFileSync(process.execPath, ['-r', 'tsx/cjs', worker, mode, String(routes), out], { encoding: 'utf8', maxBuffer: 1 << 20 });
      samples.push({ ...JSON.parse(line), processSeconds: (performance.now() - started) / 1000 });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }
  samples.sort((a, b) => a.seconds - b.seconds);
  return samples[Math.floor(samples.length / 2)];
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const rows: Record<string, unknown>[] = [];
console.log(`bench:synth on ${os.cpus().length} CPUs, node ${process.version}, median of ${repeat}; times exclude process start (shown as "process")`);
console.log('routes   | ours: synth  process  peak RSS | cdk8s: synth  process  peak RSS | speed-up | ours µs/route');
for (const routes of routeCounts) {
  const ours = measure('ours', routes);
  const cdk8s = measure('cdk8s', routes);
  const speedUp = cdk8s.seconds / ours.seconds;
  rows.push({ routes, ours, cdk8s, speedUp });
  console.log(
    `${String(routes).padStart(8)} | ${ours.seconds.toFixed(2).padStart(9)} s ${ours.processSeconds.toFixed(2).padStart(6)} s ${mb(ours.peakRssBytes).padStart(6)} MB` +
      ` | ${cdk8s.seconds.toFixed(2).padStart(10)} s ${cdk8s.processSeconds.toFixed(2).padStart(6)} s ${mb(cdk8s.peakRssBytes).padStart(6)} MB` +
      ` | ${speedUp.toFixed(1).padStart(7)}× | ${((ours.seconds / routes) * 1e6).toFixed(1)}`,
  );
}
const resultsDir = path.join(__dirname, 'results');
fs.mkdirSync(resultsDir, { recursive: true });
fs.writeFileSync(path.join(resultsDir, 'synth.json'), `${JSON.stringify({ date: new Date().toISOString(), cpus: os.cpus().length, node: process.version, repeat, rows }, null, 2)}\n`);
console.log(`results: ${path.relative(process.cwd(), path.join(resultsDir, 'synth.json'))}`);
