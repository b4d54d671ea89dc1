import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Manifest } from './manifest';

/**
 * The objects a construct synthesizes, without the caller's construct tree: for the construct-free paths (the
 * streaming fixture, the CLI, Pulumi) that must emit exactly what the construct puts into a chart. Every object the
 * workloads create is named explicitly, so the throwaway chart's id appears nowhere in the output.
 */
export function constructManifests(build: (scope: Construct) => void): Manifest[] {
  const chart = new Chart(new App(), 'manifests');
  build(chart);
  return chart.toJson() as Manifest[];
}
