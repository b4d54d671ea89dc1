import { Command, Option } from 'commander';
import { FixtureSpec, FixtureSpecInput, FixtureValidationError, resolveFixtureSpec } from '../../charts/fixture-spec';
import { FixtureExtras } from '../../charts/scale-fixture';
import { bundleMockProvider } from '../mock-provider/bundle';
import { UsageError } from './errors';
import { numberOrText } from '../../charts/fixture-env';
import { ROUTE_API_VERSIONS } from '../../constructs/ai-route-set';

/** Fixture flags shared by every command that builds a fixture (synth, apply, bench). */
export function addFixtureOptions(command: Command, { routesRequired }: { routesRequired: boolean }): Command {
  const routes = new Option('--routes <n>', 'number of AIGatewayRoutes (1-100000)').argParser(numberOrText);
  return command
    .addOption(routesRequired ? routes.makeOptionMandatory() : routes)
    .addOption(new Option('--backends <m>', 'number of backends, 1..routes; route i uses backend ((i-1) mod M)+1').argParser(numberOrText).default(1))
    .option('--namespace <ns>', 'namespace of the fixture', 'aigw-scale')
    .option('--fixture <id>', 'fixture id (label aigw-scale/fixture); default: the namespace')
    .option('--gateway <name>', 'name of the Gateway', 'aigw-scale')
    .addOption(new Option('--header-mutation <k>', 'headers each AIServiceBackend sets (0-16)').argParser(numberOrText).default(0))
    .addOption(new Option('--route-api-version <version>', 'AIGatewayRoute API version').choices([...ROUTE_API_VERSIONS]).default('v1beta1'))
    .option('--provider-host <fqdn>', 'one FQDN all Backends point at (default: one Service per backend)')
    .addOption(new Option('--provider-port <port>', 'port of the LLM provider').argParser(numberOrText).default(8080))
    .option('--buffer-limit <quantity>', 'Envoy connection buffer limit via a ClientTrafficPolicy, e.g. 32Mi')
    .option('--api-key-auth', 'add an APIKey BackendSecurityPolicy per backend (mock key)', false)
    .option('--no-namespace-object', 'do not create the Namespace object')
    .option('--mock-provider', 'run the mock LLM provider in the fixture (one Deployment, a Service per backend)', false);
}

/** Options as commander parses them from addFixtureOptions. */
export interface FixtureOptionValues {
  routes: number;
  backends: number;
  namespace: string;
  fixture?: string;
  gateway: string;
  headerMutation: number;
  routeApiVersion: FixtureSpecInput['routeApiVersion'];
  providerHost?: string;
  providerPort: number;
  bufferLimit?: string;
  apiKeyAuth: boolean;
  namespaceObject: boolean;
  mockProvider: boolean;
}

/** Code shipped into pods, bundled only when asked for (esbuild runs in-process, a fraction of a second). */
export async function fixtureExtrasFromOptions(options: Pick<FixtureOptionValues, 'mockProvider'>): Promise<FixtureExtras> {
  if (!options.mockProvider) return {};
  return { mockProviderCode: await bundleMockProvider() };
}

/** The flag that sets each FixtureSpec prop, so errors name what the user typed. */
const FLAG_OF_PROP: Record<string, string> = {
  routes: '--routes',
  backends: '--backends',
  namespace: '--namespace',
  fixtureId: '--fixture',
  gatewayName: '--gateway',
  headerMutations: '--header-mutation',
  routeApiVersion: '--route-api-version',
  providerHost: '--provider-host',
  providerPort: '--provider-port',
  connectionBufferLimit: '--buffer-limit',
};

/** Validated FixtureSpec from the flags; a UsageError names every bad flag, its value and what is allowed. */
export function fixtureSpecFromOptions(options: FixtureOptionValues): FixtureSpec {
  try {
    return specOf(options);
  } catch (error) {
    if (!(error instanceof FixtureValidationError)) throw error;
    const lines = error.problems.map((p) => `  ${FLAG_OF_PROP[p.prop] ?? p.prop}: got ${JSON.stringify(p.value)}; allowed: ${p.allowed}`);
    throw new UsageError(`invalid fixture options, nothing was done:\n${lines.join('\n')}`);
  }
}

function specOf(options: FixtureOptionValues): FixtureSpec {
  return resolveFixtureSpec({
    routes: options.routes,
    backends: options.backends,
    namespace: options.namespace,
    fixtureId: options.fixture,
    gatewayName: options.gateway,
    headerMutations: options.headerMutation,
    routeApiVersion: options.routeApiVersion,
    providerHost: options.providerHost,
    providerPort: options.providerPort,
    connectionBufferLimit: options.bufferLimit,
    apiKeyAuth: options.apiKeyAuth,
    createNamespace: options.namespaceObject,
  });
}
