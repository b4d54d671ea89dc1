/** What each benchmark needs built, checked before a long `npm run bench` starts. */
import { AnyComponent, CONTROL_PLANE_COMPONENTS, LOCAL_CLUSTER_COMPONENTS, requireBinaries } from '../../src/local/binaries';
import { pulumiToolDirs } from '../pulumi-session';

const NEEDS: Record<string, { components: readonly AnyComponent[]; pulumi?: boolean }> = {
  synth: { components: [] },
  // A fresh control plane per side and round, and kubectl at its version as a baseline.
  apply: { components: [...CONTROL_PLANE_COMPONENTS, 'kubectl'] },
  runner: { components: LOCAL_CLUSTER_COMPONENTS },
  pulumi: { components: LOCAL_CLUSTER_COMPONENTS, pulumi: true },
  mock: { components: [] },
  'extension-recorder': { components: [] },
};

/** One line per benchmark whose binaries are missing, each naming the command that builds them. */
export function missingBinaries(benchmarks: readonly string[]): string[] {
  const missing: string[] = [];
  for (const name of benchmarks) {
    const needs = NEEDS[name];
    try {
      if (needs.components.length > 0) requireBinaries(needs.components);
      if (needs.pulumi) pulumiToolDirs();
    } catch (error) {
      missing.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return missing;
}
