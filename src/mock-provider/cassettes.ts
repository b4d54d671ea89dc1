/**
 * Cassettes: recorded request/response pairs kept as readable JSON files, one per cassette. A request replays
 * a cassette named by its `X-Cassette-Name` header, else the cassette recorded for the same method, path and
 * body (JSON normalized: keys sorted, whitespace ignored). Recording writes secrets redacted.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CASSETTE_HEADER = 'x-cassette-name';
export const CASSETTE_FILE_SUFFIX = '.json';
export const REDACTED = '[REDACTED]';

/** One recorded exchange as stored on disk. */
export interface Cassette {
  /** Matched against the `X-Cassette-Name` header. @default the file name without `.json` */
  readonly name: string;
  readonly recordedAt?: string;
  readonly request: {
    readonly method: string;
    /** Path and query, e.g. `/v1/chat/completions`. */
    readonly path: string;
    readonly headers?: Record<string, string>;
    /** The JSON body; absent for requests without one. */
    readonly body?: unknown;
  };
  readonly response: {
    readonly status: number;
    readonly headers?: Record<string, string>;
    /** A JSON body (or text when the upstream's was not JSON). */
    readonly body?: unknown;
    /** A streamed body: the `data:` payloads of its server-sent events in order (objects, or text such as "[DONE]"). */
    readonly chunks?: readonly unknown[];
  };
}

export class CassetteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CassetteError';
  }
}

/** JSON with object keys sorted at every level, so key order and whitespace never change a match. */
export function normalizeJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : normalizeJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${normalizeJson(record[key])}`).join(',')}}`;
}

/** The body-match key of a request: method, path and normalized body. */
export function requestKey(method: string, requestPath: string, body: unknown): string {
  return `${method.toUpperCase()} ${requestPath}\n${body === undefined ? '' : normalizeJson(body)}`;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** A cassette name is also its file name, so it is restricted to a safe alphabet. */
export function isValidCassetteName(name: string): boolean {
  return NAME_PATTERN.test(name) && !name.includes('..');
}

/** The name a recording gets when the request did not name it: path slug plus a short hash of the match key. */
export function defaultCassetteName(method: string, requestPath: string, body: unknown): string {
  const slug = requestPath.split('?')[0].replace(/^\/+/, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '') || 'root';
  const hash = createHash('sha256').update(requestKey(method, requestPath, body)).digest('hex').slice(0, 12);
  return `${method.toLowerCase()}-${slug}-${hash}`;
}

function checkCassette(value: unknown, file: string): Cassette {
  const fail = (why: string): never => {
    throw new CassetteError(`invalid cassette ${file}: ${why}`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('not a JSON object');
  const c = value as Record<string, unknown>;
  const request = c.request as Record<string, unknown> | undefined;
  const response = c.response as Record<string, unknown> | undefined;
  if (!request || typeof request !== 'object') fail('missing "request" object');
  if (!response || typeof response !== 'object') fail('missing "response" object');
  if (typeof request!.method !== 'string' || typeof request!.path !== 'string') fail('"request" needs "method" and "path" strings');
  if (!Number.isInteger(response!.status) || (response!.status as number) < 100 || (response!.status as number) > 599) fail('"response.status" must be an HTTP status');
  if (response!.chunks !== undefined && !Array.isArray(response!.chunks)) fail('"response.chunks" must be an array');
  const name = c.name === undefined ? path.basename(file, CASSETTE_FILE_SUFFIX) : c.name;
  if (typeof name !== 'string' || !isValidCassetteName(name)) fail(`"name" must match ${NAME_PATTERN}`);
  return { ...(c as unknown as Cassette), name: name as string };
}

/** Cassettes indexed by name and by request key; optionally backed by a directory it reads and writes. */
export class CassetteStore {
  private readonly byNameIndex = new Map<string, Cassette>();
  private readonly byKeyIndex = new Map<string, Cassette>();
  /** `METHOD path` of every indexed cassette, so requests to other paths skip body normalization. */
  private readonly paths = new Set<string>();

  constructor(readonly dir?: string) {}

  /** Reads every `*.json` in `dir` (skipping the `..data` entries of a mounted ConfigMap). */
  static load(dir: string): CassetteStore {
    const store = new CassetteStore(dir);
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch (error) {
      throw new CassetteError(`cannot read cassettes directory ${dir}: ${(error as Error).message}`);
    }
    for (const entry of entries.sort()) {
      if (!entry.endsWith(CASSETTE_FILE_SUFFIX) || entry.startsWith('.')) continue;
      const file = path.join(dir, entry);
      let parsed: unknown;
      try {
        parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (error) {
        throw new CassetteError(`invalid cassette ${file}: ${(error as Error).message}`);
      }
      store.add(checkCassette(parsed, file));
    }
    return store;
  }

  get size(): number {
    return this.byNameIndex.size;
  }

  add(cassette: Cassette): void {
    const previous = this.byNameIndex.get(cassette.name);
    if (previous) this.byKeyIndex.delete(requestKey(previous.request.method, previous.request.path, previous.request.body));
    this.byNameIndex.set(cassette.name, cassette);
    this.byKeyIndex.set(requestKey(cassette.request.method, cassette.request.path, cassette.request.body), cassette);
    this.paths.add(`${cassette.request.method.toUpperCase()} ${cassette.request.path}`);
  }

  byName(name: string): Cassette | undefined {
    return this.byNameIndex.get(name);
  }

  /** The cassette recorded for this method, path and body, if any. Cheap when no cassette has that path. */
  byRequest(method: string, requestPath: string, body: unknown): Cassette | undefined {
    if (this.byKeyIndex.size === 0 || !this.paths.has(`${method} ${requestPath}`)) return undefined;
    return this.byKeyIndex.get(requestKey(method, requestPath, body));
  }

  /** Writes the cassette as `<dir>/<name>.json` (atomically: temp file, then rename) and indexes it. */
  save(cassette: Cassette): string {
    if (!this.dir) throw new CassetteError('no cassettes directory to record into');
    if (!isValidCassetteName(cassette.name)) throw new CassetteError(`invalid cassette name ${JSON.stringify(cassette.name)}`);
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, `${cassette.name}${CASSETTE_FILE_SUFFIX}`);
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, `${JSON.stringify(cassette, null, 2)}\n`, { mode: 0o644 });
    fs.renameSync(temp, file);
    this.add(cassette);
    return file;
  }
}

// ---- redaction -------------------------------------------------------------------------------------------

/** Header and JSON field names whose values are secrets. */
const SECRET_NAME = /(auth|api[-_]?key|apikey|token|secret|password|passwd|cookie|credential|session|organization|project)/i;

/** Values that look like keys wherever they appear (headers, bodies, error messages, URLs). */
const SECRET_VALUE_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\bBearer\s+[^\s"',;]+/gi, `Bearer ${REDACTED}`],
  [/\bBasic\s+[A-Za-z0-9+/=]{8,}/g, `Basic ${REDACTED}`],
  [/\bsk-[A-Za-z0-9_*-]{6,}/g, REDACTED], // OpenAI / Anthropic style keys, including masked echoes "sk-ab***yz"
  [/\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{16,}/g, REDACTED],
  [/\bAIza[0-9A-Za-z_-]{30,}/g, REDACTED],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, REDACTED], // JWTs
  [/(\b(?:api[-_]?key|access[-_]?token|token|secret|password|key)=)[^&\s"']+/gi, `$1${REDACTED}`], // query strings
  [/(\/\/)[^/@\s:]+:[^/@\s]+@/g, `$1${REDACTED}@`], // credentials in URLs
];

/** Replaces key-like substrings and the given literal secrets in a string. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of SECRET_VALUE_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/** A deep copy with secret-named fields and key-like strings redacted. */
export function redactValue(value: unknown, secrets: readonly string[] = []): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets));
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    // string values only: `max_tokens`, `prompt_tokens` … are numbers and stay
    result[key] = typeof item === 'string' && SECRET_NAME.test(key) ? REDACTED : redactValue(item, secrets);
  }
  return result;
}

/** Headers with secret names redacted whole, the rest with key-like values redacted. Names lowercased. */
export function redactHeaders(headers: Record<string, string>, secrets: readonly string[] = []): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    result[lower] = SECRET_NAME.test(lower) ? REDACTED : redactText(value, secrets);
  }
  return result;
}
