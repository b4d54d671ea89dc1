/**
 * `npm run bench:pulumi`: the real `pulumi up` of this project at N routes, in alternating rounds, on three
 * sides: `bundle` mode (one resource runs our applier), `resources` mode (one Pulumi resource per object) with
 * PULUMI_SKIP_CHECKPOINTS=true, and `resources` mode with the local backend's checkpoints (the state rewritten
 * after every step), whose every step gets a time budget. Each side and round on its own fresh local control
 * plane. Up, update (N → N+10 routes), destroy, resources in the state and its size after up.
 * Needs the Pulumi binaries (`npx aigw-scale local build --with-pulumi`).
 * Options: --routes 2000 --budget-minutes 10 --rounds 5 --page-dir docs
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import type { FixtureMode } from '../infra/config';
import { downLocalCluster, upLocalCluster } from '../src/local/control-plane';
import { arg } from './args';
import { commonOptions, countsArg, runScript } from './harness/options';
import { PROJECT_DIR } from './harness/page-file';
import { BenchSection, RoundResult, Side } from './harness/section';
import { PulumiSession, pulumiToolDirs } from './pulumi-session';

const BACKENDS = 10;
const ADDED_ROUTES = 10;
/** The issue's goal: `resources` mode at 2,000 routes, `pulumi up` under 10 minutes. */
const GOAL_SECONDS = 600;
const GOAL_ROUTES = 2000;

interface PulumiSideSpec {
  readonly name: string;
  readonly description: string;
  readonly mode: FixtureMode;
  /** The stack's name, also its fixture's namespace. */
  readonly stack: string;
  readonly env: NodeJS.ProcessEnv;
  /** Each step's budget; a step still running then is stopped and the round ends there. */
  readonly budgetSeconds: number;
}

interface StackState {
  readonly resources: number;
  readonly bytes: number;
  readonly pendingOperations: number;
}

function readStackState(session: PulumiSession, stack: string): StackState {
  const file = session.stateFile('aigw-scale', stack);
  const latest = JSON.parse(fs.readFileSync(file, 'utf8')).checkpoint.latest ?? {};
  return { resources: latest.resources?.length ?? 0, bytes: fs.statSync(file).size, pendingOperations: latest.pending_operations?.length ?? 0 };
}

/** One round of a side on a fresh control plane and an empty backend, both thrown away afterwards. */
async function measureRound(spec: PulumiSideSpec, routes: number, resourceCounts: Map<string, number>): Promise<RoundResult> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `aigw-scale-bench-pulumi-${spec.stack}-`));
  let session: PulumiSession | undefined;
  try {
    const cluster = await upLocalCluster({ dir: path.join(work, 'local'), nodes: 1 });
    session = new PulumiSession(cluster.kubeconfig, spec.env);
    return await runSteps(spec, routes, session, path.join(work, `Pulumi.${spec.stack}.yaml`), resourceCounts);
  } finally {
    session?.dispose();
    downLocalCluster(path.join(work, 'local'));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** `pulumi up`, the update, `destroy`; stops at the first step over budget. */
async function runSteps(spec: PulumiSideSpec, routes: number, session: PulumiSession, configFile: string, resourceCounts: Map<string, number>): Promise<RoundResult> {
  const writeConfig = (count: number) => {
    const previous = fs.existsSync(configFile) ? YAML.parse(fs.readFileSync(configFile, 'utf8')) : {};
    const config = { 'aigw-scale:clusterType': 'kubeconfig', 'aigw-scale:chartSource': '../shared/charts', 'aigw-scale:routes': count, 'aigw-scale:backends': BACKENDS, 'aigw-scale:mockProvider': true, 'aigw-scale:fixtureMode': spec.mode };
    fs.writeFileSync(configFile, YAML.stringify({ ...previous, config }));
  };
  const step = async (label: string, command: string) => {
    process.stderr.write(`${spec.name}: ${label} …\n`);
    const run = await session.runWithin(spec.budgetSeconds, command, '-s', spec.stack, '--config-file', configFile, '--yes', '--skip-preview');
    if (run.status !== 0 && !run.stoppedAtBudget) throw new Error(`${spec.name}: pulumi ${command} exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
    process.stderr.write(`${spec.name}: ${label} ${run.seconds.toFixed(1)} s${run.stoppedAtBudget ? ' (stopped at the budget)' : ''}\n`);
    return run;
  };
  // The control plane and the backend are thrown away after the round, so a stopped step needs no destroy and no
  // `pulumi cancel` (on the local backend it only removes the stack's lock, which a killed run leaves behind).
  const stopped = (label: string, seconds: number, metrics: RoundResult['metrics']): RoundResult => {
    const state = readStackState(session, spec.stack);
    const perMinute = (state.resources / seconds) * 60;
    const note = `stopped at the ${spec.budgetSeconds / 60}-minute budget during ${label} (${seconds.toFixed(0)} s with the cancel): ${state.resources.toLocaleString('en-US')} resources in the state, ${perMinute.toFixed(0)} per minute; its figures are lower bounds`;
    return { metrics, notes: [note], stoppedAtBudget: true };
  };
  writeConfig(routes);
  session.initStack(spec.stack, configFile);
  const up = await step(`up (${routes} routes)`, 'up');
  if (up.stoppedAtBudget) {
    const state = readStackState(session, spec.stack);
    return stopped('up', up.seconds, { upSeconds: up.seconds, resources: state.resources, stateBytes: state.bytes });
  }
  const afterUp = readStackState(session, spec.stack);
  if (afterUp.pendingOperations > 0) throw new Error(`${spec.name}: the state after up lists ${afterUp.pendingOperations} pending operations`);
  resourceCounts.set(spec.name, afterUp.resources);
  const metrics = { upSeconds: up.seconds, resources: afterUp.resources, stateBytes: afterUp.bytes };
  writeConfig(routes + ADDED_ROUTES);
  const update = await step(`update (${routes} → ${routes + ADDED_ROUTES} routes)`, 'up');
  if (update.stoppedAtBudget) return stopped('the update', update.seconds, { ...metrics, updateSeconds: update.seconds });
  const destroy = await step('destroy', 'destroy');
  if (destroy.stoppedAtBudget) return stopped('destroy', destroy.seconds, { ...metrics, updateSeconds: update.seconds, destroySeconds: destroy.seconds });
  return { metrics: { ...metrics, updateSeconds: update.seconds, destroySeconds: destroy.seconds } };
}

/** A side that, once a round stopped at its budget, runs no more rounds: repeating it would only hit the budget again. */
function pulumiSide(spec: PulumiSideSpec, routes: number, resourceCounts: Map<string, number>): Side {
  let stoppedAtBudget = false;
  return {
    name: spec.name,
    description: spec.description,
    get rounds() {
      return stoppedAtBudget ? 1 : undefined;
    },
    async run() {
      const result = await measureRound(spec, routes, resourceCounts);
      stoppedAtBudget ||= result.stoppedAtBudget === true;
      return result;
    },
  };
}

function pulumiVersions(): Record<string, string> {
  const { dirs } = pulumiToolDirs();
  const env = { ...process.env, PATH: [...dirs, process.env.PATH].join(path.delimiter), PULUMI_SKIP_UPDATE_CHECK: 'true' };
  const cli = spawnSync('pulumi', ['version'], { encoding: 'utf8', env }).stdout.trim();
  const packageVersion = (name: string) => JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'node_modules', name, 'package.json'), 'utf8')).version;
  return { pulumi: cli, '@pulumi/pulumi': packageVersion('@pulumi/pulumi'), '@pulumi/kubernetes': packageVersion('@pulumi/kubernetes'), plugins: dirs.map((dir) => path.basename(dir)).join(' ') };
}

async function main(): Promise<void> {
  const options = commonOptions();
  const budgetMinutes = Number(arg('budget-minutes', String(GOAL_SECONDS / 60)));
  if (!(budgetMinutes > 0)) throw new Error(`--budget-minutes takes a number > 0, got ${budgetMinutes}`);
  const budgetSeconds = budgetMinutes * 60;
  const section = new BenchSection({
    id: 'pulumi',
    title: 'Pulumi',
    method:
      `The whole stack as \`pulumi up\` creates it (the three Helm releases from chart directories, the mock provider and the fixture of N routes over ${BACKENDS} backends), with the Pulumi CLI against a local file backend, timed as whole processes: \`pulumi up\`, an update to N+${ADDED_ROUTES} routes, \`pulumi destroy\`. Resources and state size are read from the state file after the first up. Every side and round runs on its own fresh local control plane (etcd, kube-apiserver, kwok) and its own empty backend. The checkpointed \`resources\` side gets a budget of ${budgetMinutes} minutes per step (\`--budget-minutes\`): a step still running then gets SIGINT (Pulumi finishes its in-flight steps and writes the state), and the side runs no further rounds.`,
    ...options,
  });
  section.versions(pulumiVersions());
  const resourcesDescription = (skip: boolean) =>
    `\`fixtureMode: resources\` (one Pulumi resource per object, applied by the Kubernetes provider), ${skip ? '`PULUMI_SKIP_CHECKPOINTS=true`: the state is written once, at the end of each command' : 'the local backend as it is: the whole state rewritten after every step'}.`;
  for (const routes of countsArg('routes', String(GOAL_ROUTES))) {
    const resourceCounts = new Map<string, number>();
    const specs: PulumiSideSpec[] = [
      { name: 'bundle', description: '`fixtureMode: bundle` (the default): one resource applies the fixture with `aigw-scale apply`.', mode: 'bundle', stack: 'bench-bundle', env: {}, budgetSeconds: Infinity },
      { name: 'resources, skip checkpoints', description: resourcesDescription(true), mode: 'resources', stack: 'bench-resources-skip', env: { PULUMI_SKIP_CHECKPOINTS: 'true' }, budgetSeconds: Infinity },
      { name: 'resources, checkpointed', description: resourcesDescription(false), mode: 'resources', stack: 'bench-resources', env: {}, budgetSeconds },
    ];
    const [bundle, skip, checkpointed] = specs.map((spec) => spec.name);
    const measured = await section.measure(`routes-${routes}`, `${routes.toLocaleString('en-US')} routes`, specs.map((spec) => pulumiSide(spec, routes, resourceCounts)));
    // Both resources sides must have put the same resources in their state (the skip side writes it only at the end).
    if (resourceCounts.has(skip) && resourceCounts.has(checkpointed) && resourceCounts.get(skip) !== resourceCounts.get(checkpointed)) {
      throw new Error(`the two resources sides left different states at ${routes} routes: ${JSON.stringify([...resourceCounts])}`);
    }
    for (const metric of ['upSeconds', 'updateSeconds', 'destroySeconds', 'stateBytes'] as const) measured.compare(bundle, skip, metric);
    measured.compare(skip, checkpointed, 'upSeconds');
    if (routes === GOAL_ROUTES) {
      measured.goalOn(skip, 'upSeconds', { text: `\`resources\` mode with PULUMI_SKIP_CHECKPOINTS=true (the documented way), \`pulumi up\` at ${GOAL_ROUTES.toLocaleString('en-US')} routes: ≤ 10 min`, comparator: '<=', threshold: GOAL_SECONDS });
    }
    const stoppedSide = measured.result.sides.find((side) => Object.values(side.metrics).some((figure) => figure.lowerBound));
    if (stoppedSide) section.note(`At ${routes.toLocaleString('en-US')} routes, "${stoppedSide.name}" stopped at its budget: a comparison against it is a lower bound.`);
  }
  section.finish();
}

runScript(main);
