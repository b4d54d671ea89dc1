import { Command, Option } from 'commander';
import { FIXTURE_LABEL, PART_OF_LABEL, PART_OF_VALUE } from '../../../constructs/conventions';
import { numberOrText } from '../../../charts/fixture-spec';
import { deleteFixtures } from '../../kube/delete';
import { ClusterOptionValues, addClusterOptions, connectGuarded } from '../cluster-options';
import { UsageError } from '../errors';
import { formatCount, printResult } from '../output';

interface DeleteOptions extends ClusterOptionValues {
  fixture?: string;
  all: boolean;
  timeout: number;
  json: boolean;
}

export function deleteCommand(): Command {
  const command = new Command('delete')
    .description('delete exactly the objects of one fixture (or of every aigw-scale fixture) and wait until they are gone')
    .option('--fixture <id>', 'fixture id (label aigw-scale/fixture)')
    .option('--all', 'every fixture aigw-scale applied to this cluster', false)
    .addOption(new Option('--timeout <seconds>', 'how long to wait for the objects to go').argParser(numberOrText).default(120))
    .option('--json', 'print the result as JSON', false);
  return addClusterOptions(command).action(async (options: DeleteOptions) => {
    if (Boolean(options.fixture) === options.all) throw new UsageError('give exactly one of --fixture ID or --all');
    if (typeof options.timeout !== 'number' || options.timeout <= 0) throw new UsageError(`--timeout: got ${JSON.stringify(options.timeout)}; allowed: seconds > 0`);
    const cluster = await connectGuarded(options, 'deleting from');
    try {
      const result = await deleteFixtures(cluster, options.fixture ? { fixtureId: options.fixture } : { all: true }, {
        fixtureLabel: FIXTURE_LABEL,
        partOfSelector: `${PART_OF_LABEL}=${PART_OF_VALUE}`,
        timeoutMs: options.timeout * 1000,
        onProgress: (message) => process.stderr.write(`${message}\n`),
      });
      if (result.fixtures.length === 0 && options.fixture) throw new UsageError(`no fixture "${options.fixture}" in ${cluster.describe()}`);
      const line =
        `deleted ${formatCount(result.deleted)} objects of ${result.fixtures.length} fixture(s) (${result.fixtures.join(', ') || 'none'}) in ${result.seconds.toFixed(1)} s` +
        (result.remaining.length > 0 ? `; still present after ${options.timeout} s: ${result.remaining.slice(0, 5).join(', ')}${result.remaining.length > 5 ? ' …' : ''}` : '');
      printResult(options.json, result, line);
      if (result.remaining.length > 0) process.exitCode = 1;
    } finally {
      cluster.close();
    }
  });
}
