/**
 * The cdk8s app `cdk8s synth` runs (see cdk8s.yaml). It builds the same ScaleFixture as `aigw-scale synth`,
 * with every knob read from its AIGW_SCALE_* environment variable (`fixtureEnvVar`, e.g. AIGW_SCALE_ROUTES).
 */
import { App } from 'cdk8s';
import { fixtureEnvVar, fixtureInputFromText } from './fixture-spec';
import { ScaleFixture } from './scale-fixture';

const app = new App();
new ScaleFixture(app, 'aigw-scale', fixtureInputFromText((prop) => process.env[fixtureEnvVar(prop)]));
app.synth();
