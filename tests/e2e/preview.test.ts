/**
 * Preview environments for real: `npm run preview -- up/down` drives the Automation API, which drives the real
 * Pulumi CLI against the local control plane.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PulumiSession } from '../../bench/pulumi-session';
import { FIXTURE_LABEL } from '../../constructs/conventions';
import { PREVIEW_RECORDS_DIR } from '../../scripts/preview';
import { Cluster } from '../../src/kube/cluster';
import { PROJECT_ROOT } from '../../src/upstream/dirs';
import { connect, kubeconfig, list, listIfServed } from '../cluster/support';

const NAME = 'pr-1';
const ROUTES_PATH = `/apis/aigateway.envoyproxy.io/v1alpha1/namespaces/${NAME}/aigatewayroutes`;

let session: PulumiSession;
let cluster: Cluster;

beforeAll(async () => {
  session = new PulumiSession(kubeconfig());
  cluster = await connect();
});

afterAll(() => {
  // Never leave a preview stack file behind in the project, whatever happened above.
  if (fs.existsSync(path.join(PROJECT_ROOT, PREVIEW_RECORDS_DIR, `${NAME}.json`))) preview('down', '--name', NAME);
  cluster?.close();
  session?.dispose();
});

function preview(...args: string[]) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(PROJECT_ROOT, 'scripts', 'preview.ts'), ...args], {
    cwd: PROJECT_ROOT,
    env: session.env,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

test('preview up --name pr-1 creates the environment through the Automation API; down removes it and its stack', async () => {
  const up = preview('up', '--name', NAME, '--routes', '20', '--backends', '2', '--cluster-type', 'kubeconfig', '--kubeconfig', kubeconfig(), '--chart-source', '../shared/charts');
  expect({ status: up.status, stderr: up.status === 0 ? '' : up.stderr.slice(-3000) }).toEqual({ status: 0, stderr: '' });
  expect(up.stdout).toContain(`fixture "${NAME}" in namespace "${NAME}": 20 routes`);
  expect(up.stdout).not.toContain('client-key-data');
  expect(await list(cluster, ROUTES_PATH, `${FIXTURE_LABEL}=${NAME}`)).toHaveLength(20);
  expect(fs.existsSync(path.join(PROJECT_ROOT, `Pulumi.${NAME}.yaml`))).toBe(true);

  const down = preview('down', '--name', NAME);
  expect({ status: down.status, stderr: down.status === 0 ? '' : down.stderr.slice(-3000) }).toEqual({ status: 0, stderr: '' });
  expect(await listIfServed(cluster, ROUTES_PATH, `${FIXTURE_LABEL}=${NAME}`)).toEqual([]); // CRDs may be gone with their release
  expect(fs.existsSync(path.join(PROJECT_ROOT, `Pulumi.${NAME}.yaml`))).toBe(false);
  expect(session.run('stack', 'ls', '--json').stdout).not.toContain(NAME);
  process.stderr.write(`\npreview ${NAME}: up ${up.seconds.toFixed(1)} s, down ${down.seconds.toFixed(1)} s\n`);
});
