import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';

/** The parts of a CustomResourceDefinition this project reads. */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; [key: string]: unknown };
  spec: {
    group: string;
    names: { kind: string; plural: string; [key: string]: unknown };
    scope: 'Namespaced' | 'Cluster';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema?: { openAPIV3Schema: Record<string, unknown> };
      [key: string]: unknown;
    }[];
    [key: string]: unknown;
  };
}

/** Reads every CustomResourceDefinition in a (multi-document) YAML file, skipping other objects. */
export function readCrdFile(file: string): CustomResourceDefinition[] {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((doc) => doc.toJSON() as { kind?: string } | null)
    .filter((obj): obj is CustomResourceDefinition => obj?.kind === 'CustomResourceDefinition');
}

/** Reads every CRD under a directory tree, in a stable (path-sorted) order. */
export function readCrdDir(dir: string): CustomResourceDefinition[] {
  const files: string[] = [];
  const walk = (current: string): void => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name)) files.push(full);
    }
  };
  walk(dir);
  return files.flatMap(readCrdFile);
}
