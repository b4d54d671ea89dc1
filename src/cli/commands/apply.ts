import { Command, Option } from 'commander';
import * as fs from 'node:fs';
import { FixtureSpec } from '../../../charts/fixture-spec';
import { fixtureParts } from '../../../charts/scale-fixture';
import { renderFixture } from '../../synth/render-fixture';
import { FIXTURE_LABEL, fixtureLabels } from '../../../constructs/conventions';
import { ApplyObject, ApplyResult, applySet, readManifestDir } from '../../kube/applier';
import { applySetParentName } from '../../kube/applyset';
import { installCrds } from '../../kube/crds';
import { readCrdDir } from '../../upstream/crds';
import { ClusterOptionValues, addClusterOptions, connectGuarded } from '../cluster-options';
import { UsageError } from '../errors';
import { integerFlag } from '../flags';
import { interruptOnSigint } from '../interrupt';
import { FixtureOptionValues, addFixtureOptions, fixtureExtrasFor, fixtureSpecFromOptions } from '../fixture-options';
import { formatCount, printResult } from '../output';
import { Progress } from '../progress';
import { numberOrText } from '../../../charts/fixture-spec';

interface ApplyOptions extends ClusterOptionValues, FixtureOptionValues {
  fixtureJson?: string;
  sha256?: string;
  crds?: string;
  concurrency: number;
  qps: number;
  burst?: number;
  json: boolean;
}

/** A fixture ready to apply: its id, namespace and objects in apply order. */
interface LoadedFixture {
  fixtureId: string;
  namespace: string;
  groups: ApplyObject[][];
}

/** Reads a directory `aigw-scale synth` wrote (or any YAML): one group per file, in file-name order. */
function loadDirectory(dir: string, fixtureFlag?: string): LoadedFixture {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory of manifests`);
  const groups = readManifestDir(dir);
  if (groups.length === 0) throw new UsageError(`${dir} holds no .yaml files`);
  const objects = groups.flat();
  const invalid = objects.find((o) => !o.apiVersion || !o.kind || !o.metadata?.name);
  if (invalid) throw new UsageError(`${dir}: an object lacks apiVersion, kind or metadata.name: ${JSON.stringify(invalid).slice(0, 200)}`);
  const ids = new Set(objects.map((o) => o.metadata.labels?.[FIXTURE_LABEL]).filter(Boolean));
  const fixtureId = fixtureFlag ?? (ids.size === 1 ? [...ids][0]! : undefined);
  if (!fixtureId) throw new UsageError(`${dir}: cannot tell the fixture id from the ${FIXTURE_LABEL} labels (found ${ids.size}); pass --fixture-id`);
  const namespaces = new Set(objects.map((o) => o.metadata.namespace).filter(Boolean));
  if (namespaces.size !== 1) throw new UsageError(`${dir}: objects must share one namespace (found ${[...namespaces].join(', ') || 'none'})`);
  return { fixtureId, namespace: [...namespaces][0]!, groups };
}

async function loadFixture(dir: string | undefined, options: ApplyOptions): Promise<LoadedFixture> {
  const sources = [dir !== undefined, options.routes !== undefined, options.fixtureJson !== undefined].filter(Boolean).length;
  if (sources !== 1) throw new UsageError('give exactly one of: a directory of manifests (from `aigw-scale synth`), --routes N, or --fixture-json JSON with --sha256');
  if (dir !== undefined && options.sha256 !== undefined) throw new UsageError('--sha256 checks a fixture built here (--routes or --fixture-json), not a directory');
  if (dir !== undefined) return loadDirectory(dir, options.fixtureId);
  const spec = options.fixtureJson !== undefined ? resolvedFixture(options.fixtureJson, options.sha256) : fixtureSpecFromOptions(options);
  const extras = await fixtureExtrasFor(spec);
  const loaded = (parts: readonly { manifests: Iterable<unknown> }[]) => ({ fixtureId: spec.fixtureId, namespace: spec.namespace, groups: parts.map((part) => [...part.manifests] as ApplyObject[]) });
  if (options.sha256 === undefined) return loaded(fixtureParts(spec, extras));
  // A resolved fixture was validated where it was resolved (a Pulumi stack); the hash proves these are its objects.
  const rendered = renderFixture(spec, extras, { keep: true });
  if (rendered.sha256 !== options.sha256) {
    throw new UsageError(`--sha256 ${options.sha256}: the fixture's manifests hash to ${rendered.sha256}; nothing was applied (was it resolved by another version of aigw-scale?)`);
  }
  return loaded(rendered.parts!);
}

/** A resolved fixture (FixtureSpec as JSON) with the hash of its manifests, which `loadFixture` checks. */
function resolvedFixture(json: string, sha256: string | undefined): FixtureSpec {
  if (sha256 === undefined) throw new UsageError('--fixture-json needs --sha256, the hash of the manifests it resolves to');
  try {
    return JSON.parse(json) as FixtureSpec;
  } catch (error) {
    throw new UsageError(`--fixture-json: not JSON: ${(error as Error).message}`);
  }
}

export function summarizeApply(result: ApplyResult): string {
  const rate = result.seconds > 0 ? (result.created + result.configured + result.unchanged) / result.seconds : 0;
  if (result.interrupted) return `interrupted after ${formatCount(result.created + result.configured + result.unchanged)} of ${formatCount(result.total)} objects; run the same command again to complete`;
  if (result.created + result.configured + result.pruned === 0 && result.failed.length === 0) {
    return `no changes: ${formatCount(result.unchanged)} objects unchanged (${result.seconds.toFixed(1)} s)`;
  }
  return (
    `${formatCount(result.total)} objects in ${result.seconds.toFixed(1)} s (${rate.toFixed(0)} objects/s): ` +
    `${formatCount(result.created)} created, ${formatCount(result.configured)} configured, ${formatCount(result.unchanged)} unchanged, ` +
    `${formatCount(result.pruned)} pruned, ${formatCount(result.failed.length)} failed, ${result.retries} retries`
  );
}

export function applyCommand(): Command {
  const command = new Command('apply')
    .description('server-side apply a fixture (a directory from `synth`, or built from --routes) as an ApplySet; prunes what an earlier apply left')
    .argument('[dir]', 'directory of manifests written by `aigw-scale synth`')
    .option('--fixture-json <json>', 'a resolved fixture (FixtureSpec as JSON, as a Pulumi stack passes it); needs --sha256')
    .option('--sha256 <hex>', 'refuse unless the fixture\'s manifests hash to this (the sha256 `synth` prints)')
    .option('--crds <dir>', 'install the CRDs in this directory first and wait until they are Established')
    .addOption(new Option('--concurrency <n>', 'requests in flight').argParser(numberOrText).default(32))
    .addOption(new Option('--qps <n>', 'client-side rate limit, requests/s (0 = none)').argParser(numberOrText).default(0))
    .addOption(new Option('--burst <n>', 'burst above --qps').argParser(numberOrText))
    .option('--json', 'print the result as JSON', false);
  addClusterOptions(command);
  addFixtureOptions(command, { routesRequired: false });
  return command.action(async (dir: string | undefined, options: ApplyOptions) => {
    integerFlag('--concurrency', options.concurrency, 1);
    integerFlag('--qps', options.qps, 0);
    const fixture = await loadFixture(dir, options); // all input is validated before the cluster is touched
    const crds = options.crds ? readCrdDir(options.crds) : [];
    if (options.crds && crds.length === 0) throw new UsageError(`--crds ${options.crds}: no CustomResourceDefinitions found`);

    const cluster = await connectGuarded(options, 'applying to');
    const interrupt = interruptOnSigint('finishing requests in flight');
    try {
      if (crds.length > 0) {
        const installed = await installCrds(cluster, crds);
        if (installed.failed.length > 0) throw new Error(`CRD installation failed:\n${installed.failed.map((f) => `  ${f.object}: ${f.message}`).join('\n')}`);
        process.stderr.write(`installed ${installed.installed} CRDs (Established) in ${installed.seconds.toFixed(1)} s\n`);
      }
      const total = fixture.groups.reduce((sum, g) => sum + g.length, 0);
      const progress = new Progress('apply', total);
      const result = await applySet(
        cluster,
        { parent: { name: applySetParentName(fixture.fixtureId), namespace: fixture.namespace }, labels: fixtureLabels(fixture.fixtureId), groups: fixture.groups },
        { concurrency: options.concurrency, qps: options.qps, burst: options.burst, signal: interrupt.signal, onProgress: (done) => progress.update(done) },
      );
      progress.done(summarizeApply(result));
      for (const failure of result.failed) process.stderr.write(`  ${failure.object}: HTTP ${failure.status}: ${failure.message}\n`);
      if (options.json) printResult(true, { fixture: fixture.fixtureId, target: { context: cluster.contextName, server: cluster.server }, ...result }, '');
      if (result.failed.length > 0) process.exitCode = 1;
      if (result.interrupted) process.exitCode = 130;
    } finally {
      interrupt.dispose();
      cluster.close();
    }
  });
}
