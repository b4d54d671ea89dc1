/**
 * The mock provider's settings: programmatic options, their defaults and validation, and the flag/env table
 * the bundled entry point and the `aigw-scale mock serve` command both read, so every entry point accepts the
 * same knobs with the same limits.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

import {
  DEFAULT_ERROR_STATUS,
  DelayRange,
  FaultSettings,
  MAX_ERROR_STATUS,
  MIN_ERROR_STATUS,
  NO_DELAY,
  parseDelay,
} from './faults';
import { DEFAULT_MAX_MODEL_LABELS } from './metrics';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
/** Request bodies above this are refused with 413. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const MAX_MAX_BODY_BYTES = 256 * 1024 * 1024;
export const DEFAULT_SEED = 1;
export const DEFAULT_MODELS: readonly string[] = ['mock-model'];
/** How long close()/SIGTERM waits for in-flight requests before cutting connections. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 25_000;
/** Environment variables holding the upstream key in record mode, first one set wins. Never a flag. */
export const UPSTREAM_KEY_ENV = ['MOCK_UPSTREAM_API_KEY', 'OPENAI_API_KEY'] as const;
/** When set, /v1 requests must carry this key (Authorization: Bearer or api-key). Never a flag. */
export const REQUIRE_KEY_ENV = 'MOCK_REQUIRE_API_KEY';

export interface MockProviderOptions {
  /** TCP port; 0 picks a free one. @default 8080 */
  readonly port?: number;
  /** Address to listen on. @default "127.0.0.1" */
  readonly host?: string;
  /** Fixed `x-mock-backend-id`. @default the first DNS label of each request's Host header */
  readonly backendId?: string;
  /** Fixed `x-mock-backend-namespace`, for requests whose Host names no Service. @default the namespace label of a Service Host header */
  readonly backendNamespace?: string;
  /** Directory of cassette files: replayed, and written in record mode. @default none */
  readonly cassettesDir?: string;
  /** Record mode: proxy every /v1 request to this OpenAI-compatible base URL and write cassettes. */
  readonly recordUrl?: string;
  /** Key sent upstream in record mode as `Authorization: Bearer`; never logged or saved. */
  readonly upstreamApiKey?: string;
  /** When set, /v1 requests without this key get 401 (emulates provider auth). */
  readonly requireApiKey?: string;
  /** Seed of the PRNG behind error rates and delay ranges. @default 1 */
  readonly seed?: number;
  /** Delay before answering, ms: 100 or "50-200". @default 0 */
  readonly delayMs?: number | string;
  /** Streaming: delay before the first content token, ms. @default 0 */
  readonly ttftMs?: number | string;
  /** Streaming: delay between content tokens, ms. @default 0 */
  readonly interTokenMs?: number | string;
  /** Probability 0..1 that a /v1 request fails with `errorStatus`. @default 0 */
  readonly errorRate?: number;
  /** Status of injected failures, 400..599. @default 500 */
  readonly errorStatus?: number;
  /** Largest accepted request body. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** Models GET /v1/models lists (any model is answered regardless). @default ["mock-model"] */
  readonly models?: readonly string[];
  /** close(): how long in-flight requests may take before connections are cut. @default 25000 */
  readonly drainTimeoutMs?: number;
  /** Distinct `model` label values in /metrics before the rest count as "_other". @default 10000 */
  readonly maxModelLabels?: number;
  /** Receives operational log lines (startup, recordings, drain); never request secrets. @default silent */
  readonly log?: (line: string) => void;
}

export interface ResolvedMockOptions {
  readonly port: number;
  readonly host: string;
  readonly backendId?: string;
  readonly backendNamespace?: string;
  readonly cassettesDir?: string;
  readonly recordUrl?: URL;
  readonly upstreamApiKey?: string;
  readonly requireApiKey?: string;
  readonly seed: number;
  readonly faults: FaultSettings;
  readonly maxBodyBytes: number;
  readonly models: readonly string[];
  readonly drainTimeoutMs: number;
  readonly maxModelLabels: number;
  readonly log: (line: string) => void;
}

/** Invalid settings; the message lists every problem, one per line. */
export class MockConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid mock provider settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'MockConfigError';
  }
}

const BACKEND_ID = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const MODEL_ID = /^[\x21-\x7e]{1,200}$/;

type OptionKey = Exclude<keyof MockProviderOptions, 'log' | 'upstreamApiKey' | 'requireApiKey'>;

/** Validates and fills defaults. `nameOf` says how a problem names a setting (option key, flag, env var). */
export function resolveMockOptions(options: MockProviderOptions, nameOf: (key: OptionKey) => string = (key) => key): ResolvedMockOptions {
  const problems: string[] = [];
  const problem = (key: OptionKey, value: unknown, allowed: string): void => {
    problems.push(`${nameOf(key)}: got ${JSON.stringify(value)}; allowed: ${allowed}`);
  };
  const integer = (key: OptionKey, value: unknown, min: number, max: number, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problem(key, value, `an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const delay = (key: OptionKey, value: unknown): DelayRange => {
    if (value === undefined) return NO_DELAY;
    const parsed = typeof value === 'number' || typeof value === 'string' ? parseDelay(String(value)) : 'not a number';
    if (typeof parsed === 'string') {
      problem(key, value, 'milliseconds "N" or a range "MIN-MAX" (e.g. 100 or 50-200), at most 600000');
      return NO_DELAY;
    }
    return parsed;
  };

  const port = integer('port', options.port, 0, 65535, DEFAULT_PORT);
  const host = options.host ?? DEFAULT_HOST;
  if (typeof host !== 'string' || host.length === 0) problem('host', host, 'an address or hostname to listen on');
  for (const [key, example] of [['backendId', 'backend-001'], ['backendNamespace', 'aigw-scale']] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || !BACKEND_ID.test(value))) problem(key, value, `a DNS-1123 label such as ${example}`);
  }
  if (options.cassettesDir !== undefined && (typeof options.cassettesDir !== 'string' || options.cassettesDir === '')) {
    problem('cassettesDir', options.cassettesDir, 'a directory path');
  }
  let recordUrl: URL | undefined;
  if (options.recordUrl !== undefined) {
    try {
      recordUrl = new URL(options.recordUrl);
      if (recordUrl.protocol !== 'http:' && recordUrl.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      recordUrl = undefined;
      problem('recordUrl', redactUrl(String(options.recordUrl)), 'an http:// or https:// base URL of an OpenAI-compatible API');
    }
    if (options.cassettesDir === undefined) problems.push(`${nameOf('recordUrl')} needs ${nameOf('cassettesDir')} (where to write the recordings)`);
  }
  const seed = integer('seed', options.seed, 0, 0xffffffff, DEFAULT_SEED);
  const errorRate = options.errorRate ?? 0;
  if (typeof errorRate !== 'number' || !Number.isFinite(errorRate) || errorRate < 0 || errorRate > 1) problem('errorRate', errorRate, 'a number from 0 to 1');
  const errorStatus = integer('errorStatus', options.errorStatus, MIN_ERROR_STATUS, MAX_ERROR_STATUS, DEFAULT_ERROR_STATUS);
  const faults: FaultSettings = {
    delay: delay('delayMs', options.delayMs),
    ttft: delay('ttftMs', options.ttftMs),
    interToken: delay('interTokenMs', options.interTokenMs),
    errorRate: typeof errorRate === 'number' && errorRate >= 0 && errorRate <= 1 ? errorRate : 0,
    errorStatus,
  };
  const maxBodyBytes = integer('maxBodyBytes', options.maxBodyBytes, 1, MAX_MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES);
  const models = options.models ?? DEFAULT_MODELS;
  if (!Array.isArray(models) || models.length === 0 || !models.every((m) => typeof m === 'string' && MODEL_ID.test(m))) {
    problem('models', models, 'a non-empty list of model ids (printable ASCII, no spaces)');
  }
  const drainTimeoutMs = integer('drainTimeoutMs', options.drainTimeoutMs, 0, 3_600_000, DEFAULT_DRAIN_TIMEOUT_MS);
  const maxModelLabels = integer('maxModelLabels', options.maxModelLabels, 0, 1_000_000, DEFAULT_MAX_MODEL_LABELS);
  if (problems.length > 0) throw new MockConfigError(problems);
  return {
    port,
    host,
    backendId: options.backendId,
    backendNamespace: options.backendNamespace,
    cassettesDir: options.cassettesDir,
    recordUrl,
    upstreamApiKey: options.upstreamApiKey || undefined,
    requireApiKey: options.requireApiKey || undefined,
    seed,
    faults,
    maxBodyBytes,
    models,
    drainTimeoutMs,
    maxModelLabels,
    log: options.log ?? (() => undefined),
  };
}

/** A URL with any user info and query string hidden, for messages and logs. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.username || url.password) {
      url.username = 'REDACTED';
      url.password = '';
    }
    if (url.search) url.search = '?REDACTED';
    return url.toString();
  } catch {
    return text.replace(/\/\/[^/@]*@/, '//REDACTED@').replace(/\?.*$/, '?REDACTED');
  }
}

// ---- flags and environment variables --------------------------------------------------------------------

/** One command-line setting: `--flag <value>`, its environment variable and the option it sets. */
export interface MockFlag {
  /** Long flag name without dashes, e.g. "delay-ms". */
  readonly flag: string;
  readonly env: string;
  readonly key: OptionKey;
  readonly kind: 'integer' | 'number' | 'string' | 'list';
  readonly valueName: string;
  readonly description: string;
}

export const MOCK_FLAGS: readonly MockFlag[] = [
  { flag: 'port', env: 'MOCK_PORT', key: 'port', kind: 'integer', valueName: 'port', description: `TCP port, 0 for any free one (default ${DEFAULT_PORT})` },
  { flag: 'host', env: 'MOCK_HOST', key: 'host', kind: 'string', valueName: 'address', description: `address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 in a pod)` },
  { flag: 'backend-id', env: 'MOCK_BACKEND_ID', key: 'backendId', kind: 'string', valueName: 'id', description: 'x-mock-backend-id of every response (default: first DNS label of the Host header)' },
  { flag: 'backend-namespace', env: 'MOCK_BACKEND_NAMESPACE', key: 'backendNamespace', kind: 'string', valueName: 'namespace', description: 'x-mock-backend-namespace of every response (default: the namespace label of a Service Host header)' },
  { flag: 'cassettes', env: 'MOCK_CASSETTES_DIR', key: 'cassettesDir', kind: 'string', valueName: 'dir', description: 'directory of cassette JSON files to replay (and to record into)' },
  { flag: 'record', env: 'MOCK_RECORD_URL', key: 'recordUrl', kind: 'string', valueName: 'url', description: `record mode: proxy /v1 requests to this OpenAI-compatible base URL and write cassettes (key from ${UPSTREAM_KEY_ENV.join(' or ')})` },
  { flag: 'seed', env: 'MOCK_SEED', key: 'seed', kind: 'integer', valueName: 'n', description: `seed of the fault/latency PRNG (default ${DEFAULT_SEED})` },
  { flag: 'delay-ms', env: 'MOCK_DELAY_MS', key: 'delayMs', kind: 'string', valueName: 'ms', description: 'delay before answering: N or MIN-MAX milliseconds' },
  { flag: 'ttft-ms', env: 'MOCK_TTFT_MS', key: 'ttftMs', kind: 'string', valueName: 'ms', description: 'streaming: time to first token, N or MIN-MAX' },
  { flag: 'inter-token-ms', env: 'MOCK_INTER_TOKEN_MS', key: 'interTokenMs', kind: 'string', valueName: 'ms', description: 'streaming: delay between tokens, N or MIN-MAX' },
  { flag: 'error-rate', env: 'MOCK_ERROR_RATE', key: 'errorRate', kind: 'number', valueName: 'rate', description: 'probability 0..1 that a request fails with --error-status' },
  { flag: 'error-status', env: 'MOCK_ERROR_STATUS', key: 'errorStatus', kind: 'integer', valueName: 'status', description: `status of injected failures, ${MIN_ERROR_STATUS}..${MAX_ERROR_STATUS} (default ${DEFAULT_ERROR_STATUS})` },
  { flag: 'max-body-bytes', env: 'MOCK_MAX_BODY_BYTES', key: 'maxBodyBytes', kind: 'integer', valueName: 'bytes', description: `largest accepted request body (default ${DEFAULT_MAX_BODY_BYTES})` },
  { flag: 'models', env: 'MOCK_MODELS', key: 'models', kind: 'list', valueName: 'ids', description: `comma-separated models GET /v1/models lists (default ${DEFAULT_MODELS.join(',')})` },
  { flag: 'drain-timeout-ms', env: 'MOCK_DRAIN_TIMEOUT_MS', key: 'drainTimeoutMs', kind: 'integer', valueName: 'ms', description: `on SIGTERM, how long in-flight requests may finish (default ${DEFAULT_DRAIN_TIMEOUT_MS})` },
];

const NUMERIC = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i;

/**
 * Options from flag values (keyed by flag name, e.g. "error-rate") and environment variables; a flag wins
 * over its variable. Secrets come from the environment only. Throws MockConfigError naming each bad flag or
 * variable and what it accepts.
 */
export function mockOptionsFromFlags(
  values: Readonly<Record<string, string | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
  log?: (line: string) => void,
): ResolvedMockOptions {
  const options: Record<string, unknown> = {};
  const source = new Map<OptionKey, string>();
  for (const f of MOCK_FLAGS) {
    const fromFlag = values[f.flag];
    const text = fromFlag ?? (env[f.env] === '' ? undefined : env[f.env]);
    if (text === undefined) continue;
    source.set(f.key, fromFlag !== undefined ? `--${f.flag}` : f.env);
    const trimmed = text.trim();
    if (f.kind === 'integer' || f.kind === 'number') options[f.key] = NUMERIC.test(trimmed) ? Number(trimmed) : text;
    else if (f.kind === 'list') options[f.key] = trimmed.split(',').map((s) => s.trim()).filter((s) => s !== '');
    else options[f.key] = text;
  }
  const upstreamApiKey = UPSTREAM_KEY_ENV.map((name) => env[name]).find((value) => value !== undefined && value !== '');
  return resolveMockOptions(
    { ...(options as MockProviderOptions), upstreamApiKey, requireApiKey: env[REQUIRE_KEY_ENV] || undefined, log },
    (key) => source.get(key) ?? `--${MOCK_FLAGS.find((f) => f.key === key)?.flag ?? key}`,
  );
}
