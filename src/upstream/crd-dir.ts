import * as fs from 'node:fs';
import * as path from 'node:path';

/** The project root (this file lives in src/upstream/). */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Environment variable naming the directory that holds the upstream CRD files. */
export const CRD_DIR_ENV = 'AIGW_SCALE_CRDS';

/**
 * Finds the upstream CRD directory: `$AIGW_SCALE_CRDS`, else `../shared/crds` beside the project.
 * Upstream files are never part of the project, so a clear error says how to provide them.
 */
export function resolveCrdDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[CRD_DIR_ENV];
  const candidate = configured ? path.resolve(configured) : path.resolve(PROJECT_ROOT, '..', 'shared', 'crds');
  if (!fs.existsSync(candidate) || !fs.statSync(candidate).isDirectory()) {
    const source = configured ? `${CRD_DIR_ENV}=${configured}` : `the default ${candidate}`;
    throw new Error(
      `No CRD directory at ${source}. Point ${CRD_DIR_ENV} at a directory holding the AI Gateway v1.1.0, ` +
        'Envoy Gateway and Gateway API CRD YAML files, e.g. `export AIGW_SCALE_CRDS=/path/to/shared/crds`.',
    );
  }
  return candidate;
}
