import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { CONFIGMAP_DATA_LIMIT_BYTES, DEFAULT_GZIP_THRESHOLD_BYTES, NodeBundleProps, configMapDataBytes, nodeBundle } from '../../constructs/node-bundle';

const BASE: NodeBundleProps = {
  configMapName: 'tool-code',
  namespace: 'ns',
  labels: { a: 'b' },
  code: 'console.log(1);\n',
  fileName: 'tool.js',
  image: 'node:20-alpine',
  resources: { requests: { cpu: '1', memory: '1Mi' } },
  securityContext: { readOnlyRootFilesystem: true },
  what: 'Tool code',
};

describe('nodeBundle', () => {
  test('small code: plain data, mounted at /app, no init container', () => {
    const bundle = nodeBundle(BASE);
    expect(bundle.configMap).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tool-code', namespace: 'ns', labels: { a: 'b' } }, data: { 'tool.js': BASE.code } });
    expect(bundle.gzipped).toBe(false);
    expect(bundle.path).toBe('/app/tool.js');
    expect(bundle.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(bundle.volumes).toEqual([{ name: 'code', configMap: { name: 'tool-code', defaultMode: 0o444 } }]);
    expect(bundle.volumeMounts).toEqual([{ name: 'code', mountPath: '/app', readOnly: true }]);
    expect(bundle.initContainers).toEqual([]);
  });

  test('above the threshold: gzipped binaryData (platform-independent bytes), unpacked by node in an init container', () => {
    const code = 'console.log(2);\n'.repeat(1000);
    const bundle = nodeBundle({ ...BASE, code, gzipThresholdBytes: 1000 });
    expect(bundle.configMap.data).toBeUndefined();
    const gz = Buffer.from((bundle.configMap.binaryData as Record<string, string>)['tool.js.gz'], 'base64');
    expect(gz[9]).toBe(0xff);
    expect(gunzipSync(gz).toString()).toBe(code);
    expect(bundle.path).toBe('/unpacked/tool.js');
    expect(bundle.volumeMounts).toEqual([{ name: 'code', mountPath: '/app', readOnly: true }, { name: 'unpacked', mountPath: '/unpacked', readOnly: true }]);
    const [init] = bundle.initContainers as any[];
    expect(init).toMatchObject({ name: 'unpack', image: 'node:20-alpine', resources: BASE.resources, securityContext: BASE.securityContext });
    const files = new Map<string, Buffer>([['/app/tool.js.gz', gz]]);
    const fakeFs = { readFileSync: (f: string) => files.get(f)!, writeFileSync: (f: string, d: Buffer) => files.set(f, d) };
    // eslint-disable-next-line no-new-func
    new Function('require', init.command[2])((name: string) => (name === 'fs' ? fakeFs : require(name)));
    expect(files.get('/unpacked/tool.js')?.toString()).toBe(code);
    expect(DEFAULT_GZIP_THRESHOLD_BYTES).toBe(768 * 1024);
  });

  test('a ConfigMap over the limit throws, naming the owner', () => {
    const code = randomBytes(900_000).toString('base64');
    expect(() => nodeBundle({ ...BASE, code })).toThrow(/^Tool code ConfigMap tool-code holds \d+ bytes, over the \d+-byte limit/);
    expect(configMapDataBytes({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { k: 'vv' } })).toBe(3);
    expect(CONFIGMAP_DATA_LIMIT_BYTES).toBeLessThan(1024 * 1024);
  });
});
