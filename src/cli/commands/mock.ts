import { Command, Option } from 'commander';
import { startResolvedMockProvider } from '../../mock-provider';
import { CassetteError } from '../../mock-provider/cassettes';
import { MOCK_FLAGS, MockConfigError, ResolvedMockOptions, mockOptionsFromFlags } from '../../mock-provider/config';
import { UsageError } from '../errors';

/** The flags of `mock serve`, generated from the provider's own table so both entry points accept the same. */
const SERVE_OPTIONS = MOCK_FLAGS.map((f) => ({ flag: f, option: new Option(`--${f.flag} <${f.valueName}>`, `${f.description} [env ${f.env}]`) }));

/** Validated provider options from commander's values (camelCase keys) and MOCK_* variables; UsageError otherwise. */
export function mockServeOptions(
  values: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
  log?: (line: string) => void,
): ResolvedMockOptions {
  const byFlag: Record<string, string | undefined> = {};
  for (const { flag, option } of SERVE_OPTIONS) {
    const value = values[option.attributeName()];
    if (value !== undefined) byFlag[flag.flag] = String(value);
  }
  try {
    return mockOptionsFromFlags(byFlag, env, log);
  } catch (error) {
    if (error instanceof MockConfigError) throw new UsageError(error.message);
    throw error;
  }
}

export function mockCommand(): Command {
  const serve = new Command('serve')
    .description('run the OpenAI-compatible mock provider until SIGTERM/SIGINT, which drain in-flight requests')
    .showHelpAfterError()
    .exitOverride();
  for (const { option } of SERVE_OPTIONS) serve.addOption(option);
  serve.action(async (values: Record<string, unknown>) => {
    const log = (line: string): void => {
      process.stdout.write(`${line}\n`);
    };
    const options = mockServeOptions(values, process.env, log); // validates before listening
    let provider;
    try {
      provider = await startResolvedMockProvider(options); // logs "mock provider listening on <url> …"
    } catch (error) {
      if (error instanceof CassetteError) throw new UsageError(error.message);
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${options.port} on ${options.host} is already in use`);
      throw error;
    }
    await new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals): void => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        log(`${signal}: stopping`);
        void provider.close().then(resolve);
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
  });
  return new Command('mock')
    .description('the mock LLM provider: OpenAI-compatible cassette server with record mode, latency and fault injection')
    .showHelpAfterError()
    .addCommand(serve);
}
