/**
 * `npm run bench:pulumi`: the real `pulumi up` of this project at N routes in `bundle` mode (one resource runs
 * our applier) and in `resources` mode (one Pulumi resource per object), in the same run, each mode on its own
 * fresh local control plane. Reports wall time of up, of an update (N → N+10 routes) and of destroy, the number
 * of resources and the size of the state file. Both include the three Helm releases (the same in both modes).
 * Needs the Pulumi binaries (`npx aigw-scale local build --with-pulumi`). Options: --routes 2000 --modes bundle,resources
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { downLocalCluster, upLocalCluster } from '../src/local/control-plane';
import { PROJECT_ROOT } from '../src/upstream/dirs';
import { arg } from './args';
import { PulumiSession } from './pulumi-session';

const routes = Number(arg('routes', '2000'));
const modes = arg('modes', 'bundle,resources').split(',');

async function measure(mode: string) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `aigw-scale-bench-pulumi-${mode}-`));
  const state = await upLocalCluster({ dir: path.join(work, 'local'), nodes: 1 });
  const session = new PulumiSession(state.kubeconfig);
  const stack = `bench-${mode}`;
  const configFile = path.join(work, `Pulumi.${stack}.yaml`);
  const writeConfig = (count: number) =>
    fs.writeFileSync(
      configFile,
      YAML.stringify({
        ...(fs.existsSync(configFile) ? YAML.parse(fs.readFileSync(configFile, 'utf8')) : {}),
        config: {
          'aigw-scale:clusterType': 'kubeconfig',
          'aigw-scale:chartSource': '../shared/charts',
          'aigw-scale:routes': count,
          'aigw-scale:backends': 10,
          'aigw-scale:mockProvider': true,
          'aigw-scale:fixtureMode': mode,
        },
      }),
    );
  const step = (label: string, ...args: string[]) => {
    process.stderr.write(`${mode}: ${label} …\n`);
    const result = session.ok(...args, '-s', stack, '--config-file', configFile, '--yes', '--skip-preview');
    process.stderr.write(`${mode}: ${label} ${result.seconds.toFixed(1)} s\n`);
    return result.seconds;
  };
  try {
    writeConfig(routes);
    session.initStack(stack, configFile);
    const upSeconds = step(`up (${routes} routes)`, 'up');
    const stateBytes = fs.statSync(session.stateFile('aigw-scale', stack)).size;
    const resources = JSON.parse(fs.readFileSync(session.stateFile('aigw-scale', stack), 'utf8')).checkpoint.latest.resources.length;
    writeConfig(routes + 10);
    const updateSeconds = step(`update (${routes} → ${routes + 10} routes)`, 'up');
    const destroySeconds = step('destroy', 'destroy');
    return { mode, routes, resources, upSeconds, updateSeconds, destroySeconds, stateBytes };
  } finally {
    session.dispose();
    downLocalCluster(path.join(work, 'local'));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`bench:pulumi on ${os.cpus().length} CPUs: ${routes} routes, modes ${modes.join(', ')}; each on a fresh local control plane`);
  const rows = [];
  for (const mode of modes) rows.push(await measure(mode));
  const header = ['mode', 'resources', 'up s', 'update +10 s', 'destroy s', 'state KiB'];
  const table = rows.map((r) => [r.mode, String(r.resources), r.upSeconds.toFixed(1), r.updateSeconds.toFixed(1), r.destroySeconds.toFixed(1), (r.stateBytes / 1024).toFixed(0)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  for (const row of [header, ...table]) console.log(row.map((cell, i) => cell.padStart(widths[i])).join('  '));
  const out = path.join(PROJECT_ROOT, 'bench', 'results', `pulumi-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({ cpus: os.cpus().length, rows }, null, 2)}\n`);
  console.log(`results: ${out}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
