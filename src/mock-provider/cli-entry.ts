/**
 * Entry point of the bundled mock provider (dist/mock-provider.js): `node mock-provider.js [flags]`.
 * Flags and their MOCK_* environment variables are listed by --help. SIGTERM/SIGINT drain in-flight requests,
 * then the process exits 0.
 */

import { parseArgs } from 'node:util';
import { CassetteError } from './cassettes';
import { MOCK_FLAGS, MockConfigError, REQUIRE_KEY_ENV, UPSTREAM_KEY_ENV, mockOptionsFromFlags } from './config';
import { startResolvedMockProvider } from './index';

const EXIT_USAGE = 2;

function usage(): string {
  const width = Math.max(...MOCK_FLAGS.map((f) => `--${f.flag} <${f.valueName}>`.length));
  const lines = MOCK_FLAGS.map((f) => `  ${`--${f.flag} <${f.valueName}>`.padEnd(width)}  ${f.description} [${f.env}]`);
  return [
    'usage: node mock-provider.js [flags]',
    '',
    'OpenAI-compatible mock LLM provider (cassette replay, record mode, latency and fault injection).',
    '',
    ...lines,
    '',
    `Secrets come from the environment only: ${UPSTREAM_KEY_ENV.join(' / ')} (record mode upstream key),`,
    `${REQUIRE_KEY_ENV} (key clients must send).`,
    '',
  ].join('\n');
}

async function run(argv: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
    for (const f of MOCK_FLAGS) options[f.flag] = { type: 'string' };
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    process.stderr.write(`mock-provider: ${(error as Error).message}\n\n${usage()}`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  if (values.help) {
    process.stdout.write(usage());
    return;
  }
  const log = (line: string): void => {
    process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  let provider;
  try {
    const options = mockOptionsFromFlags(values as Record<string, string | undefined>, process.env, log);
    provider = await startResolvedMockProvider(options);
  } catch (error) {
    if (error instanceof MockConfigError || error instanceof CassetteError) {
      process.stderr.write(`mock-provider: ${error.message}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    throw error;
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: stopping`);
    provider.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`mock-provider: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

run(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`mock-provider: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
