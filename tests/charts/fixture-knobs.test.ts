/**
 * Every fixture knob is defined once, in FIXTURE_PROPERTIES, and every place that sets or records it derives the
 * name from there: the CLI flag, the `cdk8s synth` environment variable, the Pulumi stack key, the scenario field
 * and the results' settings.
 */
import { Command } from 'commander';
import { FIXTURE_PROPERTIES, FIXTURE_PROPS, fixtureEnvVar, fixtureFlag, fixtureInputFromText, resolveFixtureSpec } from '../../charts/fixture-spec';
import { CONFIG_KEYS, parseInfraConfig } from '../../infra/config';
import { runSettings } from '../../src/bench/run-record';
import { addFixtureOptions } from '../../src/cli/fixture-options';
import { SCENARIO_SCHEMA } from '../../src/scenario/schema';
import { scenarioFromFlags } from '../support/scenario-from-flags';

/** A value of each knob other than its default. */
const SET = { routes: 40, backends: 4, namespace: 'ns-a', fixtureId: 'id-a', gatewayName: 'gw-a', headerMutations: 3, routeApiVersion: 'v1alpha1', providerHost: 'mock.example.com', providerPort: 9090, listenerPort: 8080, envoyServiceType: 'ClusterIP', connectionBufferLimit: '32Mi', apiKeyAuth: true, createNamespace: false, mockProvider: true } as const;

describe('one definition per fixture knob', () => {
  test('the test covers every knob, each with a value other than its default', () => {
    expect(Object.keys(SET).sort()).toEqual([...FIXTURE_PROPS].sort());
    for (const prop of FIXTURE_PROPS) expect(SET[prop]).not.toEqual((FIXTURE_PROPERTIES[prop] as { default?: unknown }).default);
  });

  test.each(FIXTURE_PROPS)('%s: a CLI flag whose option is the knob, a stack key and a scenario field of the same name', (prop) => {
    const option = addFixtureOptions(new Command(), { routesRequired: false }).options.find((o) => o.long === fixtureFlag(prop));
    expect(option?.attributeName()).toBe(prop);
    expect(CONFIG_KEYS).toHaveProperty(prop);
    expect(SCENARIO_SCHEMA.properties.fixture.properties).toHaveProperty(prop);
  });

  test('the flags set every knob', async () => {
    const command = addFixtureOptions(new Command(), { routesRequired: true }).exitOverride();
    let parsed: Record<string, unknown> = {};
    command.action((options) => {
      parsed = options;
    });
    const argv = FIXTURE_PROPS.flatMap((prop) => (typeof SET[prop] === 'boolean' ? [fixtureFlag(prop)] : [fixtureFlag(prop), String(SET[prop])]));
    await command.parseAsync(argv, { from: 'user' });
    expect(resolveFixtureSpec(parsed)).toEqual(SET);
  });

  test('the environment variables of `cdk8s synth` set every knob (AIGW_SCALE_ + upper snake case)', () => {
    const env = Object.fromEntries(FIXTURE_PROPS.map((prop) => [fixtureEnvVar(prop), String(SET[prop])]));
    expect(env).toHaveProperty('AIGW_SCALE_CONNECTION_BUFFER_LIMIT', '32Mi');
    expect(resolveFixtureSpec(fixtureInputFromText((prop) => env[fixtureEnvVar(prop)]))).toEqual(SET);
  });

  test('the stack keys set every knob; namespace and fixture id default to the stack name', () => {
    const { providerHost: _, mockProvider: __, ...withoutHost } = SET; // a provider host replaces the mock provider
    const raw = Object.fromEntries(Object.entries(withoutHost).map(([prop, value]) => [prop, String(value)]));
    expect(parseInfraConfig(raw, { stack: 'dev' }).fixture).toEqual({ ...withoutHost, mockProvider: true });
    expect(parseInfraConfig({}, { stack: 'dev' }).fixture).toMatchObject({ namespace: 'dev', fixtureId: 'dev' });
  });

  test('a scenario sets every knob, from the file or from the bench flags', () => {
    const { fixtureId, ...rest } = SET;
    const scenario = scenarioFromFlags({ ...rest, fixtureId, gatewayUrl: 'http://127.0.0.1:1' });
    expect(scenario.fixture).toEqual(SET);
    expect(scenarioFromFlags({ fixtureJson: JSON.stringify(SET), apiKeyAuth: false, gatewayUrl: 'http://127.0.0.1:1' }).fixture).toEqual({ ...SET, apiKeyAuth: false });
  });

  test("results' settings record the whole resolved fixture", () => {
    const scenario = scenarioFromFlags({ routes: 40, gatewayUrl: 'http://127.0.0.1:1' });
    expect(runSettings(resolveFixtureSpec(SET), scenario, 1)).toMatchObject(SET);
  });
});
