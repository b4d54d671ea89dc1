import { Command, Option } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { numberOrText } from '../../../charts/fixture-env';
import { BenchJobProps, DEFAULT_BENCH_JOB_NAME, DEFAULT_BENCH_NAMESPACE, benchJobArgs, benchJobManifests } from '../../../constructs/bench-job';
import { Manifest } from '../../../constructs/manifest';
import { bundleCli } from '../bundle';
import { manifestToYaml } from '../../synth/manifest-yaml';
import { UsageError } from '../errors';
import { integerFlag } from '../flags';
import { fixtureSpecFromOptions } from '../fixture-options';
import { printResult } from '../output';

interface BenchJobCliOptions {
  routes: number;
  backends: number;
  gatewayUrl?: string;
  namespace: string;
  fixture?: string;
  gateway: string;
  mockProvider: boolean;
  apiKeyAuth: boolean;
  bufferLimit?: string;
  headerMutation: number;
  kubeletSummary: boolean;
  name: string;
  image?: string;
  ttl?: number;
  activeDeadline?: number;
  out: string;
  json: boolean;
}

/** Files written, in apply order (`aigw-scale apply DIR` applies one file after the other). */
const FILES: readonly { file: string; kinds: readonly string[] }[] = [
  { file: '00-namespace.yaml', kinds: ['Namespace'] },
  { file: '01-rbac.yaml', kinds: ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'] },
  { file: '02-code.yaml', kinds: ['ConfigMap'] },
  { file: '03-job.yaml', kinds: ['Job'] },
];

const optionalInteger = (flag: string, value: unknown, min: number): number | undefined => (value === undefined ? undefined : integerFlag(flag, value, min));

export function benchJobCommand(): Command {
  return new Command('bench-job')
    .description('write the in-cluster benchmark: a Job running `aigw-scale bench` from the bundled CLI, with least-privilege RBAC; apply the directory, then `kubectl logs job/<name> > results.json`')
    .addOption(new Option('--routes <n>', 'routes of the run, the warm-up route included (2-100000)').argParser(numberOrText).makeOptionMandatory())
    .addOption(new Option('--backends <m>', 'number of backends, 1..routes').argParser(numberOrText).default(1))
    .option('--gateway-url <url>', 'where the Gateway answers inside the cluster (default: the Envoy Service Envoy Gateway creates for it, default naming)')
    .option('--namespace <ns>', 'namespace of the run\'s fixture and of the Job (created by these manifests)', DEFAULT_BENCH_NAMESPACE)
    .option('--fixture <id>', 'fixture id of the run (default: the namespace)')
    .option('--gateway <name>', 'name of the Gateway', 'aigw-scale')
    .option('--mock-provider', 'run the mock LLM provider in the fixture', false)
    .option('--api-key-auth', 'add an APIKey BackendSecurityPolicy per backend (mock key)', false)
    .option('--buffer-limit <quantity>', 'Envoy connection buffer limit via a ClientTrafficPolicy, e.g. 32Mi')
    .addOption(new Option('--header-mutation <k>', 'headers each AIServiceBackend sets (0-16)').argParser(numberOrText).default(0))
    .option('--no-kubelet-summary', 'do not grant nodes/proxy (kubelet summary API); CPU/memory then come from metrics-server only')
    .option('--name <name>', 'name of the Job, its ServiceAccount and Role', DEFAULT_BENCH_JOB_NAME)
    .option('--image <image>', 'container image with node >= 20 (default node:20-alpine)')
    .addOption(new Option('--ttl <seconds>', 'keep the finished Job (and its logs) this long').argParser(numberOrText))
    .addOption(new Option('--active-deadline <seconds>', 'stop the Job after this long').argParser(numberOrText))
    .requiredOption('--out <dir>', 'directory for the manifests; its 0?-*.yaml files are replaced')
    .option('--json', 'print the summary as JSON', false)
    .argument('[bench-args...]', 'more `bench` flags after --, e.g. -- --batch-size 100 --per-route-timeout 300000')
    .action(async (benchArgs: string[], options: BenchJobCliOptions) => {
      // The run's own validation, so a bad flag fails here and not in the cluster.
      fixtureSpecFromOptions({
        routes: options.routes,
        backends: options.backends,
        namespace: options.namespace,
        fixture: options.fixture,
        gateway: options.gateway,
        headerMutation: options.headerMutation,
        routeApiVersion: 'v1beta1',
        providerPort: 8080,
        bufferLimit: options.bufferLimit,
        apiKeyAuth: options.apiKeyAuth,
        namespaceObject: false,
        mockProvider: options.mockProvider,
      });
      if (options.routes < 2) throw new UsageError('--routes: a run needs at least 2 routes (route 1 warms the gateway up and is not timed)');
      if (options.gatewayUrl !== undefined && !/^https?:\/\//.test(options.gatewayUrl)) throw new UsageError(`--gateway-url: got ${JSON.stringify(options.gatewayUrl)}; allowed: an http:// or https:// URL`);
      const props: BenchJobProps = {
        code: await bundleCli(),
        routes: options.routes,
        backends: options.backends,
        namespace: options.namespace,
        fixtureId: options.fixture,
        gatewayName: options.gateway,
        gatewayUrl: options.gatewayUrl,
        mockProvider: options.mockProvider,
        apiKeyAuth: options.apiKeyAuth,
        connectionBufferLimit: options.bufferLimit,
        headerMutations: options.headerMutation,
        kubeletSummary: options.kubeletSummary,
        benchArgs,
        name: options.name,
        image: options.image,
        ttlSecondsAfterFinished: optionalInteger('--ttl', options.ttl, 0),
        activeDeadlineSeconds: optionalInteger('--active-deadline', options.activeDeadline, 1),
      };
      let manifests: Manifest[];
      try {
        manifests = benchJobManifests(props);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }

      fs.mkdirSync(options.out, { recursive: true });
      for (const stale of fs.readdirSync(options.out).filter((f) => /^\d\d-.*\.yaml$/.test(f))) fs.rmSync(path.join(options.out, stale));
      const written: string[] = [];
      const hash = createHash('sha256');
      for (const { file, kinds } of FILES) {
        const objects = manifests.filter((m) => kinds.includes(m.kind));
        if (objects.length === 0) continue;
        const text = objects.map((m) => `---\n${manifestToYaml(m as Record<string, unknown>)}`).join('');
        fs.writeFileSync(path.join(options.out, file), text);
        hash.update(text);
        written.push(file);
      }
      const job = manifests.find((m) => m.kind === 'Job')!;
      const { name, namespace } = job.metadata;
      const args = benchJobArgs(props);
      printResult(
        options.json,
        { out: path.resolve(options.out), files: written, job: name, namespace, args, sha256: hash.digest('hex') },
        [
          `wrote ${written.map((f) => path.join(options.out, f)).join(', ')} (${manifests.length} objects)`,
          `the Job runs: aigw-scale ${args.join(' ')}`,
          `next: kubectl apply -f ${options.out}   (or aigw-scale apply ${options.out})`,
          `      kubectl logs -f job/${name} -n ${namespace} -c bench            # progress`,
          `      until kubectl get job/${name} -n ${namespace} -o jsonpath='{.status.conditions[*].type}' | grep -qE 'Complete|Failed'; do sleep 10; done`,
          `      kubectl logs job/${name} -n ${namespace} > results.json && aigw-scale report results.json`,
        ].join('\n'),
      );
    });
}
