/**
 * Fixture mode `bundle`: the whole fixture as ONE Pulumi resource (./fixture-bundle) that runs these scripts of
 * our CLI. `aigw-scale apply` server-side applies the fixture as an ApplySet (pruning what an earlier apply of the
 * same fixture no longer wants) and `aigw-scale delete --fixture <stack>` removes it on destroy. The CLI is
 * given the stack's resolved FixtureSpec as JSON and the manifests' sha256, and refuses to apply manifests that
 * hash differently; the state holds the scripts, so it stays the same size for 10 or 10,000 routes, and any
 * change to the fixture (even to the bundled mock provider's code) changes the script and re-applies.
 *
 * A new hash is an update, not a replacement: a replacement would delete the fixture by id and apply it again
 * from nothing (or, create-before-delete, delete the objects just applied). An update re-applies in place and
 * the ApplySet prunes the rest.
 */

import { FixtureSpec } from '../charts/fixture-spec';

/** The CLI entry, relative to the project root (the command's working directory). */
export const CLI_ENTRY = 'bin/aigw-scale.cjs';
export const KUBECONFIG_ENV = 'AIGW_SCALE_KUBECONFIG';
export const KUBECONFIG_PATH_ENV = 'AIGW_SCALE_KUBECONFIG_PATH';
/** Seconds `delete` waits for the objects to go. */
export const DELETE_TIMEOUT_SECONDS = 300;

/** Single-quotes a word for sh. */
export const shQuote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

export interface BundleScriptInput {
  readonly spec: FixtureSpec;
  /** sha256 of the manifests the program rendered from `spec` (`apply` checks it). */
  readonly sha256: string;
  /** kubeconfig context to name explicitly (`--context`), if the stack sets one. */
  readonly context?: string;
}

/**
 * The kubeconfig for the CLI: the file named by AIGW_SCALE_KUBECONFIG_PATH, or the secret text in
 * AIGW_SCALE_KUBECONFIG written to a 0600 temp file that is removed when the script exits.
 */
const KUBECONFIG_PRELUDE = [
  'set -eu',
  `kubeconfig="\${${KUBECONFIG_PATH_ENV}:-}"`,
  `if [ -n "\${${KUBECONFIG_ENV}:-}" ]; then`,
  '  umask 077',
  '  kubeconfig="$(mktemp "${TMPDIR:-/tmp}/aigw-scale-kubeconfig.XXXXXX")"',
  `  trap 'rm -f "$kubeconfig"' EXIT`,
  `  printf '%s' "$${KUBECONFIG_ENV}" > "$kubeconfig"`,
  'fi',
  `[ -n "$kubeconfig" ] || { echo "neither ${KUBECONFIG_ENV} nor ${KUBECONFIG_PATH_ENV} is set" >&2; exit 2; }`,
];

/**
 * Cluster flags: the stack chose the cluster explicitly, so `--yes` lets the CLI change a non-loopback one
 * (it still prints the target).
 */
const clusterFlags = (context?: string): string => `--kubeconfig "$kubeconfig" --yes${context ? ` --context ${shQuote(context)}` : ''}`;

/** create and update: server-side apply the whole fixture; the comment repeats the hash for readers of the state. */
export function applyScript(input: BundleScriptInput): string {
  const { spec } = input;
  return [
    `# aigw-scale fixture ${spec.fixtureId}: ${spec.routes} routes, ${spec.backends} backends in namespace ${spec.namespace}; manifests sha256 ${input.sha256}`,
    ...KUBECONFIG_PRELUDE,
    `node ${CLI_ENTRY} apply ${clusterFlags(input.context)} --fixture-json ${shQuote(JSON.stringify(spec))} --sha256 ${input.sha256}`,
  ].join('\n');
}

/**
 * delete: removes every object labelled with the fixture id. Only an answer that the fixture is not there
 * ("no fixture") lets `pulumi destroy` drop it from the state; any other failure, an apiserver that cannot be
 * reached included, fails the destroy, so the state keeps the fixture while its objects may still exist.
 * The namespace is named in the first line: changing it changes this script, which replaces the resource.
 */
export function deleteScript(input: Pick<BundleScriptInput, 'spec' | 'context'>): string {
  const { spec } = input;
  const kept = `aigw-scale: fixture ${spec.fixtureId} was not deleted; Pulumi keeps it in the state. Run pulumi destroy again once the cluster answers (if the cluster is gone for good, drop the resource with pulumi state delete).`;
  return [
    `# aigw-scale fixture ${spec.fixtureId} in namespace ${spec.namespace}`,
    ...KUBECONFIG_PRELUDE,
    `if out="$(node ${CLI_ENTRY} delete ${clusterFlags(input.context)} --fixture ${shQuote(spec.fixtureId)} --timeout ${DELETE_TIMEOUT_SECONDS} 2>&1)"; then`,
    `  printf '%s\\n' "$out"`,
    'else',
    '  status=$?',
    '  case "$out" in',
    `    *'no fixture'*) printf '%s\\n' "$out" "nothing left to delete" ;;`,
    `    *) printf '%s\\n' "$out" ${shQuote(kept)} >&2; exit "$status" ;;`,
    '  esac',
    'fi',
  ].join('\n');
}
