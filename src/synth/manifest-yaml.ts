/**
 * A small, fast YAML emitter for Kubernetes manifests (plain JSON data). It writes the same canonical form
 * cdk8s synthesizes — keys sorted, `apiVersion`, `kind`, `metadata` first, null and undefined fields dropped —
 * so output is stable and diffable. Strings that a YAML parser could read as anything other than the same
 * string are double-quoted (JSON string syntax is valid YAML).
 */

const TOP_LEVEL_FIRST = ['apiVersion', 'kind', 'metadata'];
/** Plain (unquoted) strings: a conservative subset that no YAML 1.1 or 1.2 parser reads as another type. */
const PLAIN_SAFE = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

/** Manifests repeat the same keys and many values; remembering their rendering saves most regex work. */
const renderedStrings = new Map<string, string>();
const RENDERED_STRINGS_MAX = 4096;

function renderString(value: string): string {
  let rendered = renderedStrings.get(value);
  if (rendered === undefined) {
    rendered = PLAIN_SAFE.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
    if (renderedStrings.size < RENDERED_STRINGS_MAX) renderedStrings.set(value, rendered);
  }
  return rendered;
}

function scalar(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return renderString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`cannot write the non-finite number ${value} to a manifest`);
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (value === null || value === undefined) return 'null';
      return Array.isArray(value) ? '[]' : '{}';
  }
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keys with a value, sorted; cdk8s drops null and undefined fields the same way. */
function sortedKeys(map: Record<string, unknown>): string[] {
  const keys: string[] = [];
  for (const key in map) {
    const value = map[key];
    if (value !== undefined && value !== null) keys.push(key);
  }
  return keys.sort();
}

const indents: string[] = [''];
const indent = (depth: number): string => (indents[depth] ??= '  '.repeat(depth));

/** A mapping's entries. The first line starts with `firstPrefix` (a sequence item's "- "), the rest are indented. */
function mapping(map: Record<string, unknown>, keys: string[], firstPrefix: string, depth: number): string {
  let out = '';
  const pad = indent(depth);
  for (let i = 0; i < keys.length; i++) {
    out += entry(i === 0 ? firstPrefix : pad, renderString(keys[i]), map[keys[i]], depth);
  }
  return out;
}

function entry(prefix: string, key: string, value: unknown, depth: number): string {
  if (isMap(value)) {
    const keys = sortedKeys(value);
    if (keys.length > 0) return `${prefix}${key}:\n${mapping(value, keys, indent(depth + 1), depth + 1)}`;
  } else if (Array.isArray(value) && value.length > 0) {
    return `${prefix}${key}:\n${sequence(value, depth + 1)}`;
  }
  return `${prefix}${key}: ${scalar(value)}\n`;
}

function sequence(items: unknown[], depth: number): string {
  let out = '';
  const pad = indent(depth);
  for (const item of items) {
    if (isMap(item)) {
      const keys = sortedKeys(item);
      if (keys.length > 0) {
        out += mapping(item, keys, `${pad}- `, depth + 1);
        continue;
      }
    } else if (Array.isArray(item) && item.length > 0) {
      out += `${pad}-\n${sequence(item, depth + 1)}`;
      continue;
    }
    out += `${pad}- ${scalar(item)}\n`;
  }
  return out;
}

/** One manifest as a YAML document (without the `---` separator). */
export function manifestToYaml(manifest: Record<string, unknown>): string {
  const sorted = sortedKeys(manifest);
  const keys = [...TOP_LEVEL_FIRST.filter((key) => sorted.includes(key)), ...sorted.filter((key) => !TOP_LEVEL_FIRST.includes(key))];
  return mapping(manifest, keys, '', 0);
}
