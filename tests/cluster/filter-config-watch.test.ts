import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as YAML from 'yaml';
import { nowMs } from '../../src/time/clock';
import { FilterConfigBundle, FilterConfigWatch, bundleIndexSecretName, bundlePartSecretName, readFilterConfigs, sha256Hex } from '../../src/controlplane/filter-config-watch';
import { Cluster } from '../../src/kube/cluster';
import { connect } from './support';

/**
 * FilterConfigWatch against a real kube-apiserver: the test writes the index and part Secrets in the order and
 * shape the AI Gateway controller (v1.1.0 writeFilterConfigBundle) does — every part created or updated, unused
 * slots deleted, the index last — with payloads from the Go marshaller (tests/controlplane/fixtures). The real
 * controller itself is exercised in tests/controllers/filter-config-real.test.ts.
 */
const NS = 'fcw-test';
const GW = { name: 'gw', namespace: 'fc' };
const PART_SIZE = 150 * 1024; // the controller's is 700 KiB; smaller here so 400 KiB spans three parts
const FIXTURES = path.join(__dirname, '..', 'controlplane', 'fixtures');
const fixture = (name: string) => zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, name)));
const SECRETS = `/api/v1/namespaces/${NS}/secrets`;

async function put(cluster: Cluster, name: string, data: Record<string, Buffer>): Promise<void> {
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString('base64')])) };
  const created = await cluster.requestRetrying('POST', SECRETS, body);
  if (created.status === 409) {
    const patched = await cluster.requestRetrying('PATCH', `${SECRETS}/${name}`, { data: body.data }, 'application/merge-patch+json');
    expect(patched.status).toBe(200);
  } else expect(created.status).toBe(201);
}

/** Writes a bundle as the controller does; returns the client time just before the index write. */
async function writeBundle(cluster: Cluster, payload: Buffer, uuid: string, gw = GW, options: { skipIndex?: boolean } = {}): Promise<number> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < payload.length; at += PART_SIZE) chunks.push(payload.subarray(at, at + PART_SIZE));
  for (let i = 0; i < 8; i++) {
    const name = bundlePartSecretName(gw.name, gw.namespace, i);
    if (i < chunks.length) await put(cluster, name, { chunk: chunks[i]! });
    else expect([200, 404]).toContain((await cluster.requestRetrying('DELETE', `${SECRETS}/${name}`)).status);
  }
  const index = { checksum: sha256Hex(payload), parts: chunks.map((c, i) => ({ name: bundlePartSecretName(gw.name, gw.namespace, i), path: `parts/${String(i).padStart(3, '0')}`, sizeBytes: c.length })), uuid, version: 'v1.1.0' };
  const before = nowMs();
  if (!options.skipIndex) await put(cluster, bundleIndexSecretName(gw.name, gw.namespace), { 'index.yaml': Buffer.from(YAML.stringify(index)) });
  return before;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const quiet = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FilterConfigWatch on a real apiserver', () => {
  let cluster: Cluster;
  let watch: FilterConfigWatch;
  const seen: FilterConfigBundle[] = [];
  const big = fixture('go-marshal-2000.yaml.gz');
  const smaller = fixture('go-marshal-1999.yaml.gz');

  beforeAll(async () => {
    cluster = await connect();
    const ns = await cluster.requestRetrying('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    expect([201, 409]).toContain(ns.status);
    watch = await FilterConfigWatch.start(cluster, { namespace: NS, gateway: GW, onConfig: (b) => seen.push(b) });
  });

  afterAll(async () => {
    await watch?.stop();
    await cluster?.requestRetrying('DELETE', `/api/v1/namespaces/${NS}`);
    cluster?.close();
  });

  test('a complete bundle is reported once: its parts in order, the models, the time of the index event', async () => {
    const before = await writeBundle(cluster, big, 'uuid-1');
    const bundle = await until('the first bundle', () => seen[0]);
    await quiet(500);
    expect(seen).toHaveLength(1); // parts written before the index did not complete anything on their own
    expect(bundle.uuid).toBe('uuid-1');
    expect(Buffer.concat(bundle.parts).equals(big)).toBe(true);
    expect(bundle.parts).toHaveLength(3);
    expect(bundle).toMatchObject({ bytes: big.length, secrets: 4, checksum: sha256Hex(big), version: 'v1.1.0' });
    expect(bundle.models.size).toBe(2000);
    expect(bundle.models.has('model-002000')).toBe(true);
    expect(bundle.tMs).toBeGreaterThanOrEqual(before);
    expect(YAML.parse(bundle.index.toString()).uuid).toBe('uuid-1');
    process.stderr.write(`filter-config watch: ${(big.length / 1024).toFixed(0)} KiB, 2,000 models extracted in ${bundle.parseMs.toFixed(1)} ms\n`);
  }, 30_000);

  test('a removed route: the next bundle (one part fewer, unused slots deleted) has the smaller set', async () => {
    await writeBundle(cluster, smaller, 'uuid-2');
    const bundle = await until('the smaller bundle', () => seen.find((b) => b.uuid === 'uuid-2'));
    expect(bundle.models.size).toBe(1999);
    expect(bundle.models.has('model-002000')).toBe(false);
    expect(Buffer.concat(bundle.parts).equals(smaller)).toBe(true);
  }, 30_000);

  test('parts of a version whose index is not written yet, and other Gateways\' bundles, report nothing', async () => {
    const count = seen.length;
    await writeBundle(cluster, big, 'uuid-never', GW, { skipIndex: true }); // the index still names uuid-2's checksum
    await writeBundle(cluster, big, 'other-gw', { name: 'other', namespace: 'fc' });
    await quiet(800);
    expect(seen).toHaveLength(count);
    expect(watch.errors).toEqual([]);
  }, 30_000);

  test('rapid rewrites are coalesced, the latest is always reported, with the time of its own index event', async () => {
    const count = seen.length;
    const slow: FilterConfigBundle[] = [];
    const slowWatch = await FilterConfigWatch.start(cluster, { namespace: NS, gateway: GW, coalesceMs: 60_000, onConfig: (b) => slow.push(b) });
    expect(slowWatch.latest).toBeUndefined(); // the state left by the previous test is incomplete
    let lastBefore = 0;
    for (let i = 1; i <= 8; i++) lastBefore = await writeBundle(cluster, i % 2 ? big : smaller, `burst-${i}`);
    const last = await until('the last burst bundle', () => seen.find((b) => b.uuid === 'burst-8'));
    await quiet(500);
    const burst = seen.slice(count);
    expect(burst[burst.length - 1]).toBe(last);
    expect(last.models.size).toBe(1999);
    expect(last.tMs).toBeGreaterThanOrEqual(lastBefore);
    // at most one report per coalesce window (100 ms)
    for (let i = 1; i < burst.length; i++) expect(burst[i]!.tMs).toBeGreaterThan(burst[i - 1]!.tMs);
    process.stderr.write(`filter-config watch: 8 rewrites → ${burst.length} reports; ${JSON.stringify(watch.stats)}\n`);
    // With a window longer than the burst: the first complete bundle at once (leading edge), the rest held back.
    expect(slow.map((b) => b.uuid)).toEqual(['burst-1']);
    expect(slowWatch.stats.coalesced).toBeGreaterThanOrEqual(6);
    await slowWatch.stop();
  }, 60_000);

  test('one list and watch streams, never a GET per Secret; readFilterConfigs reads the same bundle in one list', async () => {
    expect(watch.watchStats).toMatchObject({ lists: 1, relists: 0 });
    const snapshots = await readFilterConfigs(cluster, NS);
    const mine = snapshots.find((s) => s.indexSecret === bundleIndexSecretName(GW.name, GW.namespace))!;
    expect(mine.models).toHaveLength(1999);
    expect(mine.bytes).toBe(smaller.length);
  });
});
