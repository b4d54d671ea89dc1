import { Command, Option } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { numberOrText } from '../../../charts/fixture-spec';
import { BenchJobProps, DEFAULT_BENCH_JOB_NAME, benchJobManifests } from '../../../charts/bench-job';
import { fixtureInputOf } from '../../../charts/fixture-spec';
import { Manifest } from '../../../constructs/manifest';
import { bundleCli } from '../bundle';
import { manifestToYaml } from '../../synth/manifest-yaml';
import { UsageError } from '../errors';
import { integerFlag } from '../flags';
import { FixtureOptionValues, addFixtureOptions } from '../fixture-options';
import { printResult } from '../output';

interface BenchJobCliOptions extends FixtureOptionValues {
  gatewayUrl?: string;
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
  const command = new Command('bench-job')
    .description('write the in-cluster benchmark: a Job running `aigw-scale bench` from the bundled CLI, with least-privilege RBAC; apply the directory, then `kubectl logs job/<name> > results.json`')
    .option('--gateway-url <url>', 'where the Gateway answers inside the cluster (default: the Envoy Service Envoy Gateway creates for it, default naming)')
    .option('--no-kubelet-summary', 'do not grant nodes/proxy (kubelet summary API); CPU/memory then come from metrics-server only')
    .option('--name <name>', 'name of the Job, its ServiceAccount and Role', DEFAULT_BENCH_JOB_NAME)
    .option('--image <image>', 'container image with node >= 20 (default node:20-alpine)')
    .addOption(new Option('--ttl <seconds>', 'keep the finished Job (and its logs) this long').argParser(numberOrText))
    .addOption(new Option('--active-deadline <seconds>', 'stop the Job after this long').argParser(numberOrText))
    .requiredOption('--out <dir>', 'directory for the manifests; its 0?-*.yaml files are replaced')
    .option('--json', 'print the summary as JSON', false)
    .argument('[bench-args...]', 'more `bench` flags after --, e.g. -- --batch-size 100 --per-route-timeout 300000');
  // The fixture flags are the run's; the Job creates the namespace (--no-create-namespace: it exists already).
  return addFixtureOptions(command, { routesRequired: true }).action(async (benchArgs: string[], options: BenchJobCliOptions) => {
    const props: BenchJobProps = {
      ...fixtureInputOf(options),
      code: await bundleCli(),
      gatewayUrl: options.gatewayUrl,
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
    const args = (job.spec as { template: { spec: { initContainers: { name: string; args: string[] }[] } } }).template.spec.initContainers.find((c) => c.name === 'bench')!.args.slice(1);
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
