/**
 * `npm run bench:synth`: the whole process a user waits for, `npx aigw-scale synth` against the plain cdk8s app
 * `npx cdk8s synth` (charts/main.ts: the same constructs, synthesized by cdk8s's App), at each route count, in
 * alternating rounds; wall time and the peak RSS of the largest process. Both write the same objects (checked
 * every round). Options: --routes 2000,10000,50000 --rounds 5 --page-dir docs
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commonOptions, countsArg, runScript } from './harness/options';
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
      `The fixture at each route count (${BACKENDS} backends), written to an empty directory. Every side is a whole process (Node start-up and TypeScript loading included): started with npx as the README and cdk8s's docs have a user run them, and, as a second pair, without npm. The baseline is the project's own cdk8s app run by cdk8s-cli: the same constructs, synthesized by cdk8s's \`App.synth()\`.`,
    ...options,
  });
  const cdk8sVersion = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'node_modules', 'cdk8s', 'package.json'), 'utf8')).version;
  const cliVersion = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'node_modules', 'cdk8s-cli', 'package.json'), 'utf8')).version;
  section.versions({ cdk8s: cdk8sVersion, 'cdk8s-cli': cliVersion });
  const cdk8sCli = path.join(PROJECT_DIR, 'node_modules', '.bin', 'cdk8s');
  const tsx = path.join(PROJECT_DIR, 'node_modules', '.bin', 'tsx');
  for (const routes of routeCounts) {
    const objects = new Map<string, number>();
    const synthArgs = ['synth', '--routes', String(routes), '--backends', String(BACKENDS)];
    const cdk8sEnv = { AIGW_SCALE_ROUTES: String(routes), AIGW_SCALE_BACKENDS: String(BACKENDS), CDK8S_CHECK_UPGRADE: 'false' };
    const cdk8sCommand = `AIGW_SCALE_ROUTES=${routes} AIGW_SCALE_BACKENDS=${BACKENDS} npx cdk8s synth --output DIR`;
    const ours = synthSide('aigw-scale synth', `\`npx aigw-scale ${synthArgs.join(' ')} --out DIR\`: streams the manifests.`, (out) => ['npx', 'aigw-scale', ...synthArgs, '--out', out], {}, objects);
    const plain = synthSide('cdk8s synth', `\`${cdk8sCommand}\` (cdk8s-cli ${cliVersion}, cdk8s ${cdk8sVersion}; cdk8s.yaml runs \`npx tsx charts/main.ts\`).`, (out) => ['npx', 'cdk8s', 'synth', '--output', out], cdk8sEnv, objects);
    // The same two without npm: npx runs a project's own bin by loading its whole installed tree (about a second),
    // a cost of how the command is started, not of synthesis.
    const oursDirect = synthSide('aigw-scale synth, no npx', `\`./bin/aigw-scale.cjs ${synthArgs.join(' ')} --out DIR\`.`, (out) => [process.execPath, path.join(PROJECT_DIR, 'bin', 'aigw-scale.cjs'), ...synthArgs, '--out', out], {}, objects);
    const plainDirect = synthSide('cdk8s synth, no npx', `\`node_modules/.bin/cdk8s synth --app 'node_modules/.bin/tsx charts/main.ts' --output DIR\`.`, (out) => [cdk8sCli, 'synth', '--app', `${tsx} charts/main.ts`, '--output', out], cdk8sEnv, objects);
    // Warm-up: tsx's compile cache and the CLI's local bundle are built once, as on any second run.
    const measured = await section.measure(`routes-${routes}`, `${routes.toLocaleString('en-US')} routes`, [ours, plain, oursDirect, plainDirect], { warmUp: true });
    if (new Set(objects.values()).size !== 1) throw new Error(`the sides wrote different object counts at ${routes} routes: ${JSON.stringify([...objects])}`);
    measured.compare(ours.name, plain.name, 'wallSeconds', routes === GOAL_ROUTES ? { text: `synth, whole process, at ${GOAL_ROUTES.toLocaleString('en-US')} routes: ≥ 5× plain cdk8s`, comparator: '>=', threshold: 5 } : undefined);
    measured.compare(oursDirect.name, plainDirect.name, 'wallSeconds');
    measured.compare(ours.name, plain.name, 'peakRssBytes');
  }
  section.finish();
}

runScript(main);
