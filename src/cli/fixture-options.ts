import { Command, Option } from 'commander';
import { FIXTURE_PROPERTIES, FIXTURE_PROPS, FixtureSpec, FixtureSpecInput, FixtureValidationError, fixtureFlag, fixtureInputOf, numberOrText, resolveFixtureSpec } from '../../charts/fixture-spec';
import { FixtureExtras } from '../../charts/scale-fixture';
import { bundleMockProvider } from '../mock-provider/bundle';
import { UsageError } from './errors';

/**
 * One flag per fixture knob, derived from FIXTURE_PROPERTIES (shared by synth, apply and bench): the option key
 * is the knob's name. No commander defaults: the schema fills them in, and `bench` tells typed flags apart.
 */
export function addFixtureOptions(command: Command, { routesRequired }: { routesRequired: boolean }): Command {
  for (const prop of FIXTURE_PROPS) {
    const schema = FIXTURE_PROPERTIES[prop] as { type?: string; enum?: readonly string[]; default?: unknown; description: string };
    const flag = fixtureFlag(prop);
    const help = `${schema.description}${schema.default === undefined || typeof schema.default === 'boolean' ? '' : ` (default: ${schema.default})`}`;
    const option = schema.type === 'boolean' ? new Option(flag, help) : new Option(`${flag} <${schema.type === 'integer' ? 'n' : 'value'}>`, help);
    if (schema.type === 'integer') option.argParser(numberOrText);
    if (schema.enum) option.choices([...schema.enum]);
    command.addOption(prop === 'routes' && routesRequired ? option.makeOptionMandatory() : option);
  }
  return command;
}

/** Options as commander parses them from addFixtureOptions: the knobs by name. */
export type FixtureOptionValues = FixtureSpecInput;

/** Code shipped into pods, bundled only when the fixture runs the mock provider (esbuild in-process, a fraction of a second). */
export async function fixtureExtrasFor(spec: Pick<FixtureSpec, 'mockProvider'>): Promise<FixtureExtras> {
  return spec.mockProvider ? { mockProviderCode: await bundleMockProvider() } : {};
}

/** Validated FixtureSpec from the flags; a UsageError names every bad flag, its value and what is allowed. */
export function fixtureSpecFromOptions(options: FixtureOptionValues): FixtureSpec {
  try {
    return resolveFixtureSpec(fixtureInputOf(options));
  } catch (error) {
    if (!(error instanceof FixtureValidationError)) throw error;
    const lines = error.problems.map((p) => `  ${fixtureFlag(p.prop as keyof FixtureSpecInput)}: got ${JSON.stringify(p.value)}; allowed: ${p.allowed}`);
    throw new UsageError(`invalid fixture options, nothing was done:\n${lines.join('\n')}`);
  }
}
