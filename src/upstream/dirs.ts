import * as fs from 'node:fs';
import * as path from 'node:path';
import { AI_GATEWAY_VERSION } from '../install/facts';

/** The project root (this file lives in src/upstream/). */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

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
