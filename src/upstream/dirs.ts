import * as fs from 'node:fs';
import * as path from 'node:path';
import { AI_GATEWAY_VERSION } from '../install/facts';

/**
 * The project root: the nearest folder above this file holding aigw-scale's package.json. This file runs from
 * src/upstream/ (tsx, jest) or from the CLI's local bundle in dist/ (bin/local-bundle.cjs); elsewhere (the
 * bundle in a pod) the folder two levels up, which nothing there reads.
 */
export const PROJECT_ROOT = findProjectRoot(__dirname);

function findProjectRoot(from: string): string {
  for (let dir = from; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'aigw-scale') return dir;
  }
  return path.resolve(from, '..', '..');
}

/** Upstream files the project reads but never contains, each found through a setting. */
const UPSTREAM = {
  crds: { env: 'AIGW_SCALE_CRDS', what: `the AI Gateway ${AI_GATEWAY_VERSION}, Envoy Gateway and Gateway API CRD YAML files` },
  charts: { env: 'AIGW_SCALE_CHARTS', what: 'the Envoy Gateway and AI Gateway Helm chart directories' },
} as const;

/**
 * Finds an upstream directory: the environment variable, else `../shared/<name>` beside the project.
 * A missing directory is an error that says how to provide it.
 */
function resolveUpstreamDir(name: keyof typeof UPSTREAM, env: NodeJS.ProcessEnv): string {
  const { env: variable, what } = UPSTREAM[name];
  const configured = env[variable];
  const candidate = configured ? path.resolve(configured) : path.resolve(PROJECT_ROOT, '..', 'shared', name);
  if (!fs.existsSync(candidate) || !fs.statSync(candidate).isDirectory()) {
    const source = configured ? `${variable}=${configured}` : `the default ${candidate}`;
    throw new Error(`No directory at ${source}. Point ${variable} at a directory holding ${what}, e.g. \`export ${variable}=/path/to/shared/${name}\`.`);
  }
  return candidate;
}

/** The CRD directory: `$AIGW_SCALE_CRDS`, else `../shared/crds`. */
export const resolveCrdDir = (env: NodeJS.ProcessEnv = process.env): string => resolveUpstreamDir('crds', env);
/** The Helm charts directory: `$AIGW_SCALE_CHARTS`, else `../shared/charts`. */
export const resolveChartsDir = (env: NodeJS.ProcessEnv = process.env): string => resolveUpstreamDir('charts', env);
