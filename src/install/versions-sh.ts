/**
 * The build script's view of the pinned versions: src/local/build-binaries.sh is bash and cannot import
 * facts.ts, so `npm run generate:versions` writes this text next to it, and a unit test fails when the file is stale.
 */
import * as path from 'node:path';
import { AI_GATEWAY_VERSION, ENVOY_GATEWAY_VERSION } from './facts';

/** The generated file, relative to the repository root. */
export const VERSIONS_SH_PATH = path.join('src', 'local', 'build', 'versions.generated.sh');

/** The file's whole text: defaults only, so the script's environment variables still override them. */
export function versionsShellText(): string {
  return [
    '# Generated from src/install/facts.ts by scripts/generate-versions-sh.ts (npm run generate:versions); do not edit.',
    '# shellcheck shell=bash disable=SC2034',
    `DEFAULT_AI_GATEWAY_VERSION=${AI_GATEWAY_VERSION}`,
    `DEFAULT_ENVOY_GATEWAY_VERSION=${ENVOY_GATEWAY_VERSION}`,
    '',
  ].join('\n');
}
