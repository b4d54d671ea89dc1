import { FixtureSpecInput } from './fixture-spec';

/** Environment variables `cdk8s synth` (charts/main.ts) reads; each maps to a FixtureSpec prop. */
export const FIXTURE_ENV = {
  routes: 'AIGW_SCALE_ROUTES',
  backends: 'AIGW_SCALE_BACKENDS',
  namespace: 'AIGW_SCALE_NAMESPACE',
  fixtureId: 'AIGW_SCALE_FIXTURE',
  gatewayName: 'AIGW_SCALE_GATEWAY',
  headerMutations: 'AIGW_SCALE_HEADER_MUTATIONS',
  routeApiVersion: 'AIGW_SCALE_ROUTE_API_VERSION',
} as const;

/** Routes `cdk8s synth` builds when AIGW_SCALE_ROUTES is unset. */
export const DEFAULT_ENV_ROUTES = 10;

/**
 * A number when the text is one, else the text itself, so validation can report exactly what was given
 * ("2.5" stays 2.5 and is rejected as a non-integer; "ten" is reported as "ten").
 */
export function numberOrText(text: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
}

/** Reads the fixture knobs from the environment; unset variables leave the spec defaults. */
export function fixtureInputFromEnv(env: NodeJS.ProcessEnv): FixtureSpecInput {
  const read = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const number = (name: string): number | undefined => {
    const text = read(name);
    return text === undefined ? undefined : (numberOrText(text) as number);
  };
  return {
    routes: number(FIXTURE_ENV.routes) ?? DEFAULT_ENV_ROUTES,
    backends: number(FIXTURE_ENV.backends),
    namespace: read(FIXTURE_ENV.namespace),
    fixtureId: read(FIXTURE_ENV.fixtureId),
    gatewayName: read(FIXTURE_ENV.gatewayName),
    headerMutations: number(FIXTURE_ENV.headerMutations),
    routeApiVersion: read(FIXTURE_ENV.routeApiVersion) as FixtureSpecInput['routeApiVersion'],
  };
}
