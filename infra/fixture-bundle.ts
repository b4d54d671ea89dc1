/**
 * The `bundle` fixture as one Pulumi resource: a dynamic provider (it runs inside the Pulumi Node.js SDK, so no
 * provider plugin has to be downloaded) whose create/update run the apply script and whose delete runs the
 * delete script from `./bundle`. Diffs compare the scripts, so the state stays the same size for any N and a
 * changed fixture (its sha256 is in the apply script's first line) re-applies in place; a changed delete
 * script (new namespace or cluster context) replaces the resource, deleting the old fixture first.
 *
 * The provider functions are serialized into the state by Pulumi: they capture nothing but `require`.
 */

import * as pulumi from '@pulumi/pulumi';

export const FIXTURE_BUNDLE_NAME = 'fixture-bundle';

export interface FixtureBundleArgs {
  /** sh script that server-side applies the fixture (create and update). */
  readonly applyScript: string;
  /** sh script that removes the fixture (delete). */
  readonly deleteScript: string;
  /** Working directory of both scripts: the project root. */
  readonly dir: string;
  /** Extra environment for the scripts; holds the kubeconfig, so it is kept secret in the state. */
  readonly environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

interface BundleState {
  readonly applyScript: string;
  readonly deleteScript: string;
  readonly dir: string;
  readonly environment: Record<string, string>;
  /** The last line the apply printed (counts), for `pulumi stack export` readers. */
  readonly summary?: string;
}

/** Runs one script; a failure carries the end of its output, which Pulumi shows under the resource. */
function runScript(script: string, state: Pick<BundleState, 'dir' | 'environment'>): string {
  const { spawnSync } = require('node:child_process');
  const result = spawnSync('sh', ['-c', script], { cwd: state.dir, env: { ...process.env, ...state.environment }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.error) throw new Error(`could not run sh: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`script exited with ${result.status ?? result.signal}:\n${output.split('\n').slice(-20).join('\n')}`);
  return output.split('\n').filter((line: string) => line.trim()).pop() ?? '';
}

/** Exported for tests of its diff and scripts; Pulumi serializes it into the state with each resource. */
export const fixtureBundleProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: BundleState) {
    const summary = runScript(inputs.applyScript, inputs);
    return { id: FIXTURE_BUNDLE_NAME, outs: { ...inputs, summary } };
  },
  async diff(_id: string, olds: BundleState, news: BundleState) {
    const changes = (['applyScript', 'deleteScript', 'dir'] as const).some((key) => olds[key] !== news[key]) || JSON.stringify(olds.environment) !== JSON.stringify(news.environment);
    const replaces = olds.deleteScript !== news.deleteScript ? ['deleteScript'] : [];
    return { changes, replaces, deleteBeforeReplace: true };
  },
  async update(_id: string, _olds: BundleState, news: BundleState) {
    const summary = runScript(news.applyScript, news);
    return { outs: { ...news, summary } };
  },
  async delete(_id: string, props: BundleState) {
    runScript(props.deleteScript, props);
  },
};

export class FixtureBundle extends pulumi.dynamic.Resource {
  /** The apply's last output line. */
  declare readonly summary: pulumi.Output<string>;

  constructor(name: string, args: FixtureBundleArgs, opts?: pulumi.CustomResourceOptions) {
    super(fixtureBundleProvider, name, { ...args, summary: undefined }, { ...opts, additionalSecretOutputs: ['environment'] });
  }
}
