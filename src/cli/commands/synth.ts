import { Command } from 'commander';
import * as path from 'node:path';
import { fixtureParts } from '../../../charts/scale-fixture';
import { writeFixture } from '../../synth/write-fixture';
import { FixtureOptionValues, addFixtureOptions, fixtureExtrasFor, fixtureSpecFromOptions } from '../fixture-options';
import { formatCount, printResult } from '../output';

interface SynthOptions extends FixtureOptionValues {
  out: string;
  json: boolean;
}

export function synthCommand(): Command {
  const command = new Command('synth')
    .description('write the fixture manifests (namespace, gateway infrastructure, backends, routes) to a directory')
    .requiredOption('--out <dir>', 'output directory; part files in it are replaced')
    .option('--json', 'print the summary as JSON', false);
  return addFixtureOptions(command, { routesRequired: true }).action(async (options: SynthOptions) => {
    const spec = fixtureSpecFromOptions(options); // validates before anything is written
    const extras = await fixtureExtrasFor(spec);
    const started = performance.now();
    const summary = writeFixture(fixtureParts(spec, extras), options.out);
    const seconds = (performance.now() - started) / 1000;
    const kinds = Object.entries(summary.kinds)
      .map(([kind, count]) => `${formatCount(count)} ${kind}`)
      .join(', ');
    printResult(
      options.json,
      { out: path.resolve(options.out), fixture: spec.fixtureId, seconds, ...summary },
      `synthesized ${formatCount(summary.objects)} objects (${kinds}) into ${options.out}/ in ${seconds.toFixed(2)} s, sha256 ${summary.sha256.slice(0, 12)}`,
    );
  });
}
