/**
 * The cdk8s app `cdk8s synth` runs (see cdk8s.yaml). It builds the same ScaleFixture as
 * `aigw-scale synth`, with the knobs read from AIGW_SCALE_* environment variables (charts/fixture-env.ts).
 */
import { App } from 'cdk8s';
import { fixtureInputFromEnv } from './fixture-env';
import { ScaleFixture } from './scale-fixture';

const app = new App();
new ScaleFixture(app, 'aigw-scale', fixtureInputFromEnv(process.env));
app.synth();
