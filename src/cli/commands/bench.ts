import { Command, Option } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { numberOrText } from '../../../charts/fixture-spec';
import { FIXTURE_PROPS, FixtureSpec } from '../../../charts/fixture-spec';
import { Cluster } from '../../kube/cluster';
import { runPods } from '../../kube/gateway-envoy';
import { LocalClusterState, controllerProcesses, readState } from '../../local/control-plane';
import { runScenario } from '../../bench/runner';
import { ControlPlaneEndpoints } from '../../bench/route-readiness';
import { requireBinaries } from '../../local/binaries';
import { ProfileSource, localProfileSource } from '../../bench/profiles';
import { KubeletSummarySampler, MetricsApiSampler, ProcessSampler, Sampler } from '../../bench/samplers';
import { assessValidity, evaluateSlo, milestoneTable, renderJUnit, writeRepeatReports, writeReports } from '../../report';
import { BenchResults, Component } from '../../results/schema';
import { FLAGS_ONLY_SOURCE, ScenarioFlags, describeOverrides, flagOverrides } from '../../scenario/from-flags';
import { readScenarioSource, readScenarioText, renderScenarioYaml, resolveScenario } from '../../scenario/parse';
import { Scenario } from '../../results/scenario';
import { ClusterOptionValues, addClusterOptions, connectGuarded } from '../cluster-options';
import { UsageError } from '../errors';
import { interruptOnSigint } from '../interrupt';
import { addFixtureOptions, fixtureExtrasFor } from '../fixture-options';
import { printResult } from '../output';
import { Progress } from '../progress';
import { asUsageError } from './scenario';
import { CeilingCliOptions, checkCeilingUsage, positiveInteger, runCeilingSearch } from './ceiling-run';
import { repeatFixtureIds } from '../../../constructs/conventions';

interface BenchCliOptions extends CeilingCliOptions, ClusterOptionValues, ScenarioFlags {
  scenario?: string;
  out?: string;
  keep: boolean;
  force: boolean;
  junit?: string;
  dryRun: boolean;
  json: boolean;
}

/** Exit codes of `bench` (also in --help and the README). */
export const BENCH_EXIT = { ok: 0, failed: 1, usage: 2, sloFailed: 3, invalid: 4, interrupted: 130 } as const;

const EXIT_HELP = `
Exit codes:
  0    every run valid, every SLO gate passed, no failures
  1    a run failed (routes not ready in time, errors)
  2    usage error or invalid scenario (nothing was done)
  3    an SLO gate failed
  4    a run is invalid (too many routes missed a milestone, samples missing, interrupted); wins over 3
  130  interrupted (Ctrl-C)`;

const TOOL_VERSION: string = require('../../../package.json').version;

/** Option keys that map to scenario fields (everything in ScenarioFlags). */
const SCENARIO_FLAG_KEYS: readonly (keyof ScenarioFlags)[] = [
  ...FIXTURE_PROPS, 'fixtureJson', 'gatewayUrl', 'portForward', 'standIn', 'controlPlane', 'grpcMaxMessageSize',
  'allowMissingControllers', 'qps', 'burst', 'applyConcurrency', 'batchSize', 'waitReady', 'batchInterval', 'steps', 'hold', 'churnCycles', 'churnShare',
  'scaleDownSteps', 'requestInterval', 'perRouteTimeout', 'probeConcurrency', 'consecutiveSuccesses', 'sampleInterval', 'milestone', 'slo', 'repeat', 'profiles',
];

/**
 * Samplers for one run: the metrics API when served, else the kubelet summary, over the controllers' pods and
 * the Envoy pods of the run's Gateway; plus local processes.
 */
async function chooseSamplers(cluster: Cluster, local: LocalClusterState | undefined, spec: FixtureSpec): Promise<Sampler[]> {
  const pods = runPods({ name: spec.gatewayName, namespace: spec.namespace });
  const samplers: Sampler[] = [(await MetricsApiSampler.available(cluster)) ? new MetricsApiSampler(cluster, pods) : new KubeletSummarySampler(cluster, pods)];
  const processes: { component: Component; pid: number }[] = [{ component: 'runner', pid: process.pid }];
  for (const p of local?.processes ?? []) if (LOCAL_COMPONENTS.includes(p.name as Component)) processes.push({ component: p.name as Component, pid: p.pid });
  samplers.push(new ProcessSampler(processes));
  return samplers;
}

/** The `aigw-scale local up` cluster's state when it is the cluster this run talks to. */
function localStateOf(cluster: Cluster): LocalClusterState | undefined {
  const local = readState();
  return local && local.server === cluster.server ? local : undefined;
}

/** Processes of `aigw-scale local up [--controllers]` that are sampled as themselves. */
const LOCAL_COMPONENTS: readonly Component[] = ['kube-apiserver', 'etcd', 'envoy-gateway', 'ai-gateway-controller'];

/** The controllers `local up --controllers` runs as processes, with the version in their cached binary's path. */
function localControllerVersions(local: LocalClusterState | undefined): Record<string, string> | undefined {
  const running = controllerProcesses(local);
  if (running.length === 0) return undefined;
  return Object.fromEntries(running.map((p) => [p.name, path.basename(path.dirname(p.binary)).slice(p.name.length + 1) || 'local']));
}

/** Where a control-plane run observes xDS, and the binaries it runs: from `local up --controllers` only. */
function controlPlaneEndpoints(local: LocalClusterState | undefined, scenario: Scenario): ControlPlaneEndpoints | undefined {
  if (scenario.gateway.mode !== 'control-plane') return undefined;
  const xdsServer = local?.controllers?.xdsServer;
  if (!xdsServer) throw new UsageError('--control-plane (gateway mode control-plane) needs the cluster of `aigw-scale local up --controllers` (Envoy Gateway\'s xDS server is reached through it); start it, or measure through Envoy with --gateway-url / --port-forward');
  const binaries = requireBinaries(['ai-gateway-extproc', 'aigw-scale-probe']);
  return { xdsServer, extprocBinary: binaries['ai-gateway-extproc']!, probeBinary: binaries['aigw-scale-probe']! };
}

/**
 * Envoy Gateway run by `aigw-scale local up --controllers` serves pprof on its admin port, forwarded to this
 * host; anywhere else the runner finds the controller pods itself (undefined).
 */
function localProfileSources(local: LocalClusterState | undefined): ProfileSource[] | undefined {
  const adminPort = local?.controllers?.envoyGatewayAdminPort;
  return adminPort ? [localProfileSource('envoy-gateway', `http://127.0.0.1:${adminPort}`)] : undefined;
}

const repeatable = (value: string, previous: string[] = []) => [...previous, value];

/** The scenario from --scenario FILE and/or the flags the user typed, and which file fields the flags replaced. */
function resolveFromCommand(command: Command, options: BenchCliOptions): { scenario: Scenario; overridden: string[] } {
  const given: ScenarioFlags = {};
  for (const key of SCENARIO_FLAG_KEYS) if (command.getOptionValueSource(key) === 'cli') (given as Record<string, unknown>)[key] = options[key as keyof BenchCliOptions];
  if ([given.gatewayUrl !== undefined, given.portForward, given.controlPlane].filter(Boolean).length > 1) throw new UsageError('give at most one of --gateway-url URL, --port-forward and --control-plane');
  if (!options.scenario) {
    if (given.routes === undefined && given.fixtureJson === undefined) throw new UsageError('--routes N is required without --scenario FILE (or --fixture-json)');
    if (given.gatewayUrl === undefined && !given.portForward && !given.controlPlane) throw new UsageError('give exactly one of --gateway-url URL or --port-forward (or --control-plane, or a --scenario FILE)');
  }
  return asUsageError(() => {
    const source = options.scenario ? readScenarioSource(readScenarioText(options.scenario), options.scenario) : FLAGS_ONLY_SOURCE;
    const overrides = flagOverrides(given, source);
    return { scenario: resolveScenario(source, overrides), overridden: options.scenario ? describeOverrides(overrides) : [] };
  });
}

/** The run's fixture: the scenario's, validated with it, under this run's id. */
const fixtureSpec = (scenario: Scenario, fixtureId: string): FixtureSpec => ({ ...scenario.fixture, fixtureId });

/** Routes whose current life became ready, of the timed routes. */
const readyRoutes = (results: BenchResults) => new Set(results.milestones.filter((m) => m.milestone === 'ready').map((m) => m.object)).size;

export function benchCommand(): Command {
  const command = new Command('bench')
    .description('run a benchmark scenario: provision routes in its load shape, time status milestones and data-plane readiness, churn, sample CPU/memory, check SLO gates; write results.json and reports per run')
    .option('--scenario <file>', 'a scenario file (YAML, see `aigw-scale scenario schema`); flags given as well override the fields they name')
    .option('--out <dir>', 'directory for results.json and reports (with --repeat K>1: run-<k>/ per run, repeats.md/json)')
    .option('--dry-run', 'print the resolved scenario as YAML and exit without touching a cluster', false)
    .option('--junit <file>', 'write a JUnit XML file: one suite per run, a test case per SLO gate and the validity check')
    .option('--fixture-json <json>', 'the whole fixture as JSON (a resolved fixture, as the BenchJob passes it); fixture flags override its knobs')
    .option('--gateway-url <url>', "where the run's own Gateway answers (e.g. its LoadBalancer address; a kind stack's port mapping reaches the stack's Gateway: use --port-forward)")
    .option('--port-forward', 'reach the Gateway through `kubectl port-forward` to its Envoy Service', false)
    .option('--stand-in', 'the gateway is the test stand-in, not Envoy (recorded in the results)', false)
    .option('--control-plane', 'no Envoy here: a route is ready when Envoy Gateway serves it in xDS and the real extproc has loaded it (needs `aigw-scale local up --controllers`)', false)
    .option('--allow-missing-controllers', 'run even when Envoy Gateway / AI Gateway are not installed (their resources are reported as not measured)', false)
    .option('--grpc-max-message-size <quantity>', 'the extension gRPC limit the cluster was installed with (default 25Mi)')
    .addOption(new Option('--qps <n>', 'creates/deletes per second, client side (default: unlimited)').argParser(numberOrText))
    .addOption(new Option('--burst <n>', 'token-bucket size for --qps (default: max(1, qps))').argParser(numberOrText))
    .addOption(new Option('--apply-concurrency <n>', 'creates in flight (default 16)').argParser(numberOrText))
    .addOption(new Option('--batch-size <n>', 'create routes in batches of n (1 = one by one); default: all at once').argParser(numberOrText))
    .option('--wait-ready', 'with --batch-size: each batch waits until its routes are ready before the next (--batch-size 1 --wait-ready: one by one, as the blog\'s tool did)')
    .addOption(new Option('--batch-interval <duration>', 'time from one batch start to the next, e.g. 1s (default 1s)').argParser(numberOrText))
    .option('--steps <list>', 'ramp in steps: cumulative live routes, e.g. 100,200,300 (the last = --routes), health gate between steps')
    .addOption(new Option('--hold <duration>', 'with --steps: hold each step this long, sampling, e.g. 30s').argParser(numberOrText))
    .addOption(new Option('--churn-cycles <n>', 'after full scale, delete and recreate a share of the routes n times').argParser(numberOrText))
    .addOption(new Option('--churn-share <share>', 'share of the timed routes per churn cycle, (0, 1]').argParser(numberOrText))
    .addOption(new Option('--scale-down-steps <k>', 'after validation, delete routes in k steps while sampling').argParser(numberOrText))
    .addOption(new Option('--request-interval <duration>', 'time between probes of one route (default 100ms)').argParser(numberOrText))
    .addOption(new Option('--per-route-timeout <duration>', 'give up on a route after this long (default 2m)').argParser(numberOrText))
    .addOption(new Option('--probe-concurrency <n>', 'probes in flight (default 512)').argParser(numberOrText))
    .addOption(new Option('--consecutive-successes <k>', 'a route is ready after k successes in a row (default 3)').argParser(numberOrText))
    .addOption(new Option('--sample-interval <duration>', 'CPU/memory sampling interval (default 2s)').argParser(numberOrText))
    .option('--milestone <KIND:CONDITION[=STATUS][@parents]>', 'time a status condition, repeatable, e.g. AIGatewayRoute:Accepted, HTTPRoute:Accepted@parents (named aiGatewayRouteAccepted, httpRouteAccepted); replaces the file\'s milestones', repeatable)
    .option('--slo <METRIC<=VALUE[@ROUTES]>', 'an SLO gate, repeatable, e.g. milestone.ready.p99<=30s, memory.envoy-gateway.max<=512Mi@300, errorRate<=0.01; replaces the file\'s gates', repeatable)
    .addOption(new Option('--repeat <k>', 'run the scenario k times, each on a fresh fixture <id>-r<k> (default 1)').argParser(numberOrText))
    .option('--profiles', 'take heap and CPU profiles of the controllers at peak memory, saved beside results.json')
    .option('--keep', 'keep the fixture after the run', false)
    .option('--find-ceiling', 'search the largest route count (up to --routes) whose routes all reach ready within --per-route-timeout: ramp, then bisect; writes ceiling.json', false)
    .addOption(new Option('--ceiling-step <n>', 'with --find-ceiling: routes added per ramp step').default(100).argParser(positiveInteger))
    .addOption(new Option('--ceiling-resolution <n>', 'with --find-ceiling: bisect until the window is this narrow').default(10).argParser(positiveInteger))
    .addOption(new Option('--ceiling-budget <duration>', 'with --find-ceiling: stop the search after this long').default('30m'))
    .option('--force', 'run even when the plan predicts a limit is crossed', false)
    .option('--json', 'print the summary as JSON', false)
    .addHelpText('after', EXIT_HELP);
  addClusterOptions(command);
  addFixtureOptions(command, { routesRequired: false });
  return command.action(async (options: BenchCliOptions) => {
    // Everything is validated before a cluster is contacted: the scenario, the flags, the fixture, the output.
    const { scenario, overridden } = resolveFromCommand(command, options);
    for (const line of overridden) process.stderr.write(`scenario ${options.scenario}: ${line}\n`);
    if (options.dryRun) {
      process.stdout.write(renderScenarioYaml(scenario));
      return;
    }
    if (!options.out) throw new UsageError('--out DIR is required (or --dry-run)');
    checkCeilingUsage(options, scenario);
    const baseId = scenario.fixture.fixtureId ?? `bench-${Date.now().toString(36)}`;
    const runs = repeatFixtureIds(baseId, scenario.repeat).map((id, i) => ({ id, spec: fixtureSpec(scenario, id), dir: scenario.repeat === 1 ? options.out! : path.join(options.out!, `run-${i + 1}`) }));
    const extras = await fixtureExtrasFor(scenario.fixture);
    fs.mkdirSync(options.out, { recursive: true });
    if (options.junit) fs.mkdirSync(path.dirname(path.resolve(options.junit)), { recursive: true });

    const cluster = await connectGuarded(options, 'benchmarking on');
    const interrupt = interruptOnSigint(`stopping, writing what was measured, cleaning up${scenario.repeat > 1 ? '; no further repeats' : ''}`);
    const finished: { results: BenchResults; dir: string }[] = [];
    try {
      const local = localStateOf(cluster);
      const controlPlane = controlPlaneEndpoints(local, scenario);
      if (options.findCeiling) {
        const run = runs[0];
        const samplers = await chooseSamplers(cluster, local, run.spec);
        const base = { cluster, scenario, spec: run.spec, extras, samplers, toolVersion: TOOL_VERSION, outDir: run.dir, controlPlane, localControllers: localControllerVersions(local), extensionCallLog: local?.controllers?.extensionCalls, signal: interrupt.signal };
        process.exitCode = await runCeilingSearch(base, options, local);
        return;
      }
      for (const [i, run] of runs.entries()) {
        if (interrupt.signal.aborted) break;
        if (scenario.repeat > 1) process.stderr.write(`=== run ${i + 1} of ${scenario.repeat}: fixture ${run.id}\n`);
        let bar: Progress | undefined;
        let phaseStarted = performance.now();
        const results = await runScenario({
          cluster,
          scenario,
          spec: run.spec,
          extras,
          samplers: await chooseSamplers(cluster, local, run.spec),
          toolVersion: TOOL_VERSION,
          outDir: run.dir,
          repeat: scenario.repeat > 1 ? { index: i + 1, of: scenario.repeat } : undefined,
          keep: options.keep,
          force: options.force,
          profileSources: localProfileSources(local),
          controlPlane,
          localControllers: localControllerVersions(local),
          extensionCallLog: local?.controllers?.extensionCalls,
          signal: interrupt.signal,
          onPhase: (phase, detail) => {
            bar?.done('done');
            bar = undefined;
            phaseStarted = performance.now();
            process.stderr.write(`== ${scenario.repeat > 1 ? `[${i + 1}/${scenario.repeat}] ` : ''}${phase}${detail ? `: ${detail}` : ''}\n`);
          },
          onProgress: (phase, done, total) => {
            bar ??= new Progress(`${phase} (routes ready)`, total, process.stderr, phaseStarted);
            bar.update(done);
          },
        });
        fs.mkdirSync(run.dir, { recursive: true });
        fs.writeFileSync(path.join(run.dir, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
        await writeReports(results, run.dir);
        finished.push({ results, dir: run.dir });
        if (results.run.interrupted) break;
      }
    } finally {
      interrupt.dispose();
      cluster.close();
    }
    report(options, scenario, finished, interrupt.signal.aborted);
  });
}

/** Repeat reports, JUnit, the summary printed, and the exit code (see EXIT_HELP). */
function report(options: BenchCliOptions, scenario: Scenario, finished: readonly { results: BenchResults; dir: string }[], interrupted: boolean): void {
  const runs = finished.map(({ results, dir }) => {
    const table = milestoneTable(results);
    const validity = assessValidity(results, table);
    const gates = evaluateSlo(results, table);
    return { dir, results: path.join(dir, 'results.json'), id: results.run.id, ready: readyRoutes(results), routes: results.settings.routes - (results.settings.warmUpRoutes ?? 1), failures: results.failures.length, interrupted: results.run.interrupted, valid: validity.valid, reasons: validity.reasons, gates };
  });
  const repeats = scenario.repeat > 1 && finished.length > 0 ? writeRepeatReports(finished.map((f) => f.results), options.out!) : undefined;
  if (options.junit) fs.writeFileSync(options.junit, renderJUnit(finished.map((f) => f.results)));

  const exitCode = interrupted
    ? BENCH_EXIT.interrupted
    : runs.some((r) => !r.valid)
      ? BENCH_EXIT.invalid
      : runs.some((r) => r.gates.some((g) => !g.passed))
        ? BENCH_EXIT.sloFailed
        : runs.some((r) => r.failures > 0 || r.interrupted || r.ready < r.routes)
          ? BENCH_EXIT.failed
          : BENCH_EXIT.ok;
  const lines = runs.flatMap((r) => [
    `${r.id}: ${r.ready} of ${r.routes} timed routes ready; ${r.failures} failure(s)${r.interrupted ? '; interrupted' : ''}${r.valid ? '' : '; INVALID'}; results: ${r.results}`,
    ...r.reasons.map((reason) => `  invalid: ${reason}`),
    ...r.gates.filter((g) => !g.passed).map((g) => `  SLO failed: ${g.message}`),
  ]);
  if (repeats) lines.push(`repeats: ${repeats.markdown}`);
  if (options.junit) lines.push(`junit: ${path.resolve(options.junit)}`);
  printResult(options.json, { runs, repeats: repeats && { markdown: repeats.markdown, json: repeats.json }, junit: options.junit && path.resolve(options.junit), exitCode }, lines.join('\n'));
  for (const { results } of finished) for (const failure of results.failures.slice(0, 10)) process.stderr.write(`  ${failure.phase}${failure.object ? ` ${failure.object}` : ''}: ${failure.message}\n`);
  process.exitCode = exitCode;
}
