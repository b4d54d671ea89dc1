import { Testing } from 'cdk8s';
import { ScaleFixture, ScaleFixtureProps } from '../../charts/scale-fixture';

/** A Kubernetes object as the tests read it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  [field: string]: any;
}

/** Synthesizes a ScaleFixture through cdk8s (Testing.synth calls toJson once). */
export function synthFixture(props: ScaleFixtureProps): K8sObject[] {
  const chart = new ScaleFixture(Testing.app(), 'fixture', props);
  return Testing.synth(chart) as K8sObject[];
}

export const ofKind = (objects: K8sObject[], kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);

/** The single object of a kind; fails the test when there is not exactly one. */
export function onlyOfKind(objects: K8sObject[], kind: string): K8sObject {
  const found = ofKind(objects, kind);
  expect(found).toHaveLength(1);
  return found[0];
}
