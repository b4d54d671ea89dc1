/**
 * The cdk8s app `cdk8s synth` runs (see cdk8s.yaml). It builds the same ScaleFixture as `aigw-scale synth`,
 * with every knob read from its AIGW_SCALE_* environment variable (`fixtureEnvVar`, e.g. AIGW_SCALE_ROUTES).
 * AIGW_SCALE_MOCK_PROVIDER=true bundles the mock provider first, as `aigw-scale synth` and the stacks do.
 */
import { App } from 'cdk8s';
import { bundleMockProvider } from '../src/mock-provider/bundle';
import { fixtureEnvVar, fixtureInputFromText, resolveFixtureSpec } from './fixture-spec';
import { ScaleFixture } from './scale-fixture';

async function main(): Promise<void> {
  const input = fixtureInputFromText((prop) => process.env[fixtureEnvVar(prop)]);
  const mockProviderCode = resolveFixtureSpec(input).mockProvider ? await bundleMockProvider() : undefined;
  const app = new App();
  new ScaleFixture(app, 'aigw-scale', { ...input, mockProviderCode });
  app.synth();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
