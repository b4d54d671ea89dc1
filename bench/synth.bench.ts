/**
 * `npm run bench:synth`: the whole process a user waits for, `npx aigw-scale synth` against the plain cdk8s app
 * `npx cdk8s synth` (charts/main.ts: the same constructs, synthesized by cdk8s's App), at each route count, in
 * alternating rounds; wall time and the peak RSS of the largest process. Both write the same objects (checked
 * every round). Options: --routes 2000,10000,50000 --rounds 5 --page-dir docs
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commonOptions, countsArg } from './harness/options';
import { PROJECT_DIR } from './harness/page-file';
import { BenchSection, Side } from './harness/section';
import { timedProcess } from './harness/timed-process';

const BACKENDS = 10;
/** The goal is set at the largest count the issue names. */
const GOAL_ROUTES = 50_000;

/** Objects in a directory of YAML manifests: the documents that have a `kind`. */
function objectsIn(dir: string): number {
  let count = 0;
  for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.yaml'))) count += (fs.readFileSync(path.join(dir, file), 'utf8').match(/^kind: /gm) ?? []).length;
  return count;
}

function synthSide(name: string, description: string, command: (out: string) => string[], env: NodeJS.ProcessEnv, objects: Map<string, number>): Side {
  return {
    name,
    description,
    async run() {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-bench-synth-'));
      try {
        const timed = timedProcess(command(out), { cwd: PROJECT_DIR, env: { ...process.env, ...env } });
        objects.set(name, objectsIn(out));
        return { metrics: { wallSeconds: timed.wallSeconds, peakRssBytes: timed.peakRssBytes } };
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    },
  };
}

async function main(): Promise<void> {
  const options = commonOptions();
  const routeCounts = countsArg('routes', '2000,10000,50000');
  const section = new BenchSection({
    id: 'synth',
    title: 'Synthesis',
    method:
      `The fixture at each route count (${BACKENDS} backends), written to an empty directory. Both sides are whole processes started with npx, as a user runs them (Node start-up and TypeScript loading included). The baseline is the project's own cdk8s app run by cdk8s-cli: the same constructs, synthesized by cdk8s's \`App.synth()\`.`,
    ...options,
  });
  const cdk8sVersion = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'node_modules', 'cdk8s', 'package.json'), 'utf8')).version;
  const cliVersion = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'node_modules', 'cdk8s-cli', 'package.json'), 'utf8')).version;
  section.versions({ cdk8s: cdk8sVersion, 'cdk8s-cli': cliVersion });
  for (const routes of routeCounts) {
    const objects = new Map<string, number>();
    const ours = synthSide('aigw-scale synth', `\`npx aigw-scale synth --routes ${routes} --backends ${BACKENDS} --out DIR\`: streams the manifests.`, (out) => ['npx', 'aigw-scale', 'synth', '--routes', String(routes), '--backends', String(BACKENDS), '--out', out], {}, objects);
    const plain = synthSide(
      'cdk8s synth',
      `\`AIGW_SCALE_ROUTES=${routes} AIGW_SCALE_BACKENDS=${BACKENDS} npx cdk8s synth --output DIR\` (cdk8s-cli ${cliVersion}, cdk8s ${cdk8sVersion}).`,
      (out) => ['npx', 'cdk8s', 'synth', '--output', out],
      { AIGW_SCALE_ROUTES: String(routes), AIGW_SCALE_BACKENDS: String(BACKENDS), CDK8S_CHECK_UPGRADE: 'false' },
      objects,
    );
    // Warm-up: tsx's compile cache and the CLI's local bundle are built once, as on any second run.
    const measured = await section.measure(`routes-${routes}`, `${routes.toLocaleString('en-US')} routes`, [ours, plain], { warmUp: true });
    if (objects.get(ours.name) !== objects.get(plain.name)) throw new Error(`the two sides wrote different object counts at ${routes} routes: ${JSON.stringify([...objects])}`);
    measured.compare(ours.name, plain.name, 'wallSeconds', routes === GOAL_ROUTES ? { text: `synth, whole process, at ${GOAL_ROUTES.toLocaleString('en-US')} routes: ≥ 5× plain cdk8s`, comparator: '>=', threshold: 5 } : undefined);
    measured.compare(ours.name, plain.name, 'peakRssBytes');
  }
  section.finish();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
