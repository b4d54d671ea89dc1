import Ajv, { ValidateFunction } from 'ajv';
import { CustomResourceDefinition, readCrdDir } from '../../src/upstream/crds';
import { resolveCrdDir } from '../../src/upstream/dirs';

/**
 * Validates objects against the openAPIV3Schema of the real CRDs, the way the apiserver's structural
 * schema does it, except CEL rules (x-kubernetes-validations), which only a real apiserver evaluates
 * (the cluster tests cover those). Stricter in one way: a field the schema does not know is an error here,
 * where the apiserver would silently prune it — a typo in a construct must fail a test, not vanish.
 */
export class CrdValidator {
  private readonly crds = new Map<string, { crd: CustomResourceDefinition; version: string }>();
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

  constructor(crdDir: string = resolveCrdDir()) {
    for (const crd of readCrdDir(crdDir)) {
      for (const version of crd.spec.versions) {
        if (version.served) this.crds.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, { crd, version: version.name });
      }
    }
  }

  /** Whether a CRD serves this apiVersion and kind. */
  knows(apiVersion: string, kind: string): boolean {
    return this.crds.has(`${apiVersion}/${kind}`);
  }

  /** Problems as `path: message` lines; empty when the object is valid. */
  validate(object: { apiVersion: string; kind: string; [field: string]: unknown }): string[] {
    const key = `${object.apiVersion}/${object.kind}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const entry = this.crds.get(key);
      if (!entry) return [`no CRD serves ${key}`];
      const version = entry.crd.spec.versions.find((v) => v.name === entry.version)!;
      validate = this.ajv.compile(toJsonSchema(version.schema!.openAPIV3Schema, true));
      this.compiled.set(key, validate);
    }
    if (validate(object)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  }
}

/** Kubernetes structural schema → JSON Schema (draft 7) that Ajv understands. */
export function toJsonSchema(schema: Record<string, unknown>, root = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-') || key === 'nullable' || key === 'description' || key === 'format') continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Record<string, unknown>>).map(([name, child]) => [
          name,
          root && name === 'metadata' ? { type: 'object' } : toJsonSchema(child),
        ]),
      );
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = typeof value === 'object' ? toJsonSchema(value as Record<string, unknown>) : value;
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = (value as Record<string, unknown>[]).map((child) => toJsonSchema(child));
    } else {
      out[key] = value;
    }
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    // Usually already spelled as anyOf [integer, string]; add it when a schema relies on the marker alone.
    delete out.type;
    out.anyOf ??= [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  const preservesUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !preservesUnknown) {
    out.additionalProperties = false;
  }
  return out;
}
