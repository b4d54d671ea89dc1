import { Command, Option } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_GRPC_MAX_MESSAGE_SIZE, parseGrpcMessageLimit } from '../../../charts/helm-values';
import { numberOrText } from '../../../charts/fixture-env';
import { Cluster } from '../../kube/cluster';
import { readState } from '../../local/control-plane';
import { Provisioning, runBenchmark } from '../../bench/runner';
import { KubeletSummarySampler, MetricsApiSampler, ProcessSampler, Sampler } from '../../bench/samplers';
import { writeReports } from '../../report';
import { ClusterOptionValues, addClusterOptions, connectGuarded } from '../cluster-options';
import { UsageError } from '../errors';
import { integerFlag } from '../flags';
import { interruptOnSigint } from '../interrupt';
import { FixtureOptionValues, addFixtureOptions, fixtureExtrasFromOptions, fixtureSpecFromOptions } from '../fixture-options';
import { printResult } from '../output';
import { Progress } from '../progress';

interface BenchCliOptions extends ClusterOptionValues, FixtureOptionValues {
  gatewayUrl?: string;
  portForward: boolean;
  out: string;
  batchSize?: number;
  batchInterval: number;
  perRouteTimeout: number;
  requestInterval: number;
  sampleInterval: number;
  probeConcurrency: number;
  applyConcurrency: number;
  scaleDownSteps?: number;
  keep: boolean;
  allowMissingControllers: boolean;
  force: boolean;
  grpcMaxMessageSize: string;
  standIn: boolean;
  json: boolean;
}

const TOOL_VERSION: string = require('../../../package.json').version;

/** Samplers for this cluster: the metrics API when served, else the kubelet summary; plus local processes. */
async function chooseSamplers(cluster: Cluster): Promise<Sampler[]> {
  const samplers: Sampler[] = [(await MetricsApiSampler.available(cluster)) ? new MetricsApiSampler(cluster) : new KubeletSummarySampler(cluster)];
  const local = readState();
  const processes: { component: 'kube-apiserver' | 'etcd' | 'runner'; pid: number }[] = [{ component: 'runner', pid: process.pid }];
  if (local && local.server === cluster.server) {
    for (const p of local.processes) if (p.name === 'kube-apiserver' || p.name === 'etcd') processes.push({ component: p.name, pid: p.pid });
  }
  samplers.push(new ProcessSampler(processes));
  return samplers;
}

export function benchCommand(): Command {
  const command = new Command('bench')
    .description('provision routes, probe each through the gateway until it answers, sample CPU/memory, write results.json and reports')
    .option('--gateway-url <url>', 'where the fixture Gateway answers (e.g. http://localhost:8080 with a kind port mapping)')
    .option('--port-forward', 'reach the Gateway through `kubectl port-forward` to its Envoy Service', false)
    .requiredOption('--out <dir>', 'directory for results.json, report.md and report.html')
    .addOption(new Option('--batch-size <n>', 'create routes in batches of n (1 = one by one); default: all at once').argParser(numberOrText))
    .addOption(new Option('--batch-interval <ms>', 'time from one batch start to the next').argParser(numberOrText).default(1000))
    .addOption(new Option('--per-route-timeout <ms>', 'give up on a route after this long').argParser(numberOrText).default(120_000))
    .addOption(new Option('--request-interval <ms>', 'time between probes of one route').argParser(numberOrText).default(100))
    .addOption(new Option('--sample-interval <ms>', 'CPU/memory sampling interval').argParser(numberOrText).default(2000))
    .addOption(new Option('--probe-concurrency <n>', 'probes in flight').argParser(numberOrText).default(512))
    .addOption(new Option('--apply-concurrency <n>', 'creates in flight').argParser(numberOrText).default(16))
    .addOption(new Option('--scale-down-steps <k>', 'after validation, delete routes in k steps while sampling').argParser(numberOrText))
    .option('--keep', 'keep the fixture after the run', false)
    .option('--allow-missing-controllers', 'run even when Envoy Gateway / AI Gateway are not installed (their resources are reported as not measured)', false)
    .option('--force', 'run even when the plan predicts a limit is crossed', false)
    .option('--grpc-max-message-size <quantity>', 'the extension gRPC limit the cluster was installed with', DEFAULT_GRPC_MAX_MESSAGE_SIZE)
    .option('--stand-in', 'the gateway is the test stand-in, not Envoy (recorded in the results)', false)
    .option('--json', 'print the summary as JSON', false);
  addClusterOptions(command);
  addFixtureOptions(command, { routesRequired: true });
  // A run creates its own fixture: give it its own id and namespace by default.
  command.setOptionValueWithSource('namespace', 'aigw-scale-bench', 'default');
  return command.action(async (options: BenchCliOptions) => {
    if (Boolean(options.gatewayUrl) === options.portForward) throw new UsageError('give exactly one of --gateway-url URL or --port-forward');
    if (options.gatewayUrl && !/^https?:\/\//.test(options.gatewayUrl)) throw new UsageError(`--gateway-url: got ${JSON.stringify(options.gatewayUrl)}; allowed: an http:// or https:// URL`);
    const spec = fixtureSpecFromOptions({ ...options, fixture: options.fixture ?? `bench-${Date.now().toString(36)}` });
    if (spec.routes < 2) throw new UsageError('--routes: a run needs at least 2 routes (route 1 warms the gateway up and is not timed)');
    const provisioning: Provisioning = options.batchSize === undefined ? { mode: 'all-at-once' } : { mode: 'batches', batchSize: integerFlag('--batch-size', options.batchSize, 1), batchIntervalMs: integerFlag('--batch-interval', options.batchInterval, 0) };
    const settings = {
      perRouteTimeoutMs: integerFlag('--per-route-timeout', options.perRouteTimeout, 1),
      requestIntervalMs: integerFlag('--request-interval', options.requestInterval, 1),
      sampleIntervalMs: integerFlag('--sample-interval', options.sampleInterval, 100),
      probeConcurrency: integerFlag('--probe-concurrency', options.probeConcurrency, 1),
      applyConcurrency: integerFlag('--apply-concurrency', options.applyConcurrency, 1),
      scaleDownSteps: options.scaleDownSteps === undefined ? undefined : integerFlag('--scale-down-steps', options.scaleDownSteps, 1),
    };
    const grpc = parseGrpcMessageLimit(options.grpcMaxMessageSize);
    const extras = await fixtureExtrasFromOptions(options);
    fs.mkdirSync(options.out, { recursive: true });

    const cluster = await connectGuarded(options, 'benchmarking on');
    const interrupt = interruptOnSigint('stopping, writing what was measured, cleaning up');
    let bar: Progress | undefined;
    try {
      const results = await runBenchmark({
        cluster,
        spec,
        extras,
        gatewayUrl: options.gatewayUrl,
        mode: options.standIn ? 'stand-in' : 'cluster',
        provisioning,
        ...settings,
        grpcMaxMessageBytes: grpc.bytes,
        keep: options.keep,
        allowMissingControllers: options.allowMissingControllers,
        force: options.force,
        samplers: await chooseSamplers(cluster),
        toolVersion: TOOL_VERSION,
        signal: interrupt.signal,
        onPhase: (phase, detail) => {
          bar?.done('done');
          bar = phase === 'provision' || phase === 'validate' ? new Progress(`${phase} (routes ready)`, spec.routes - 1) : undefined;
          process.stderr.write(`== ${phase}${detail ? `: ${detail}` : ''}\n`);
        },
        onProgress: (_phase, done) => bar?.update(done),
      });
      const resultsFile = path.join(options.out, 'results.json');
      fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 1)}\n`);
      const reports = await writeReports(results, options.out);
      const ready = results.milestones.filter((m) => m.milestone === 'firstSuccess').length;
      printResult(
        options.json,
        { results: resultsFile, reports, ready, routes: spec.routes - 1, failures: results.failures.length, interrupted: results.run.interrupted },
        `${ready} of ${spec.routes - 1} timed routes ready; ${results.failures.length} failure(s)${results.run.interrupted ? '; run interrupted' : ''}\nresults: ${resultsFile}\nreports: ${Object.values(reports).join(', ')}`,
      );
      for (const failure of results.failures.slice(0, 10)) process.stderr.write(`  ${failure.phase}${failure.object ? ` ${failure.object}` : ''}: ${failure.message}\n`);
      if (results.run.interrupted) process.exitCode = interrupt.signal.aborted ? 130 : 1;
      else if (ready < spec.routes - 1) process.exitCode = 1;
    } finally {
      interrupt.dispose();
      cluster.close();
    }
  });
}
