import { RESTRICTED_CONTAINER_SECURITY_CONTEXT } from '../support/restricted-container';
import { Chart, Testing } from 'cdk8s';
import { onlyOfKind } from '../support/fixture';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { resolveFixtureSpec } from '../../charts/fixture-spec';
import { fixtureParts } from '../../charts/scale-fixture';
import {
  BenchJob,
  BenchJobProps,
  benchJobManifests,
  envoyServiceName,
  envoyServiceUrl,
} from '../../charts/bench-job';
import { DEFAULT_GZIP_THRESHOLD_BYTES } from '../../constructs/node-bundle';
import { CONTROLLERS, CONTROLLER_DEPLOYMENTS as BENCH_CONTROLLER_DEPLOYMENTS, REQUIRED_CRDS, REQUIRED_CRDS as BENCH_REQUIRED_CRDS } from '../../src/install/facts';

const CODE = '#!/usr/bin/env node\nconsole.log("a stand-in CLI bundle");\n';
const BASE: BenchJobProps = { code: CODE, routes: 100, backends: 4, namespace: 'bench', fixtureId: 'run-1' };
/** Server-side apply (a PATCH that may create), prune and cleanup; never a read-back. */
const VERBS = ['create', 'list', 'patch', 'delete'];
/** The ApplySet parent, read by name. */
const PARENT_GET = { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] };

const synth = (props: Partial<BenchJobProps> = {}): any[] => {
  const chart = new Chart(Testing.app(), 'test');
  new BenchJob(chart, 'Job', { ...BASE, ...props });
  return Testing.synth(chart);
};
const one = (objects: any[], kind: string): any => onlyOfKind(objects, kind);
/** cdk8s-plus renders one rule per resource, name and URL of a grant: exactly the permissions of the grouped rules. */
const perResource = (rules: any[]): any[] =>
  rules.flatMap((rule) =>
    rule.nonResourceURLs
      ? rule.nonResourceURLs.map((url: string) => ({ nonResourceURLs: [url], verbs: rule.verbs }))
      : rule.resources.flatMap((resource: string) =>
          (rule.resourceNames ?? [undefined]).map((name?: string) => ({ apiGroups: rule.apiGroups, resources: [resource], ...(name ? { resourceNames: [name] } : {}), verbs: rule.verbs })),
        ),
  );

describe('BenchJob', () => {
  test('objects in apply order, all in the fixture namespace, labelled with the runner id (not the run\'s)', () => {
    const objects = synth();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/bench',
      'ServiceAccount/aigw-scale-bench',
      'Role/aigw-scale-bench',
      'RoleBinding/aigw-scale-bench',
      'ClusterRole/aigw-scale-bench-bench',
      'ClusterRoleBinding/aigw-scale-bench-bench',
      'ConfigMap/aigw-scale-bench-code',
      'Job/aigw-scale-bench',
    ]);
    for (const o of objects) {
      if (!['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind)) expect(o.metadata.namespace).toBe('bench');
      expect(o.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'aigw-scale', 'aigw-scale/fixture': 'run-1-runner', 'app.kubernetes.io/component': 'bench-runner' });
    }
    expect(synth({ createNamespace: false }).some((o) => o.kind === 'Namespace')).toBe(false);
  });

  test('the Role allows exactly the fixture kinds, with the verbs the applier uses, and reading the ApplySet parent', () => {
    expect(one(synth(), 'Role').rules).toEqual(perResource([
      { apiGroups: ['aigateway.envoyproxy.io'], resources: ['aigatewayroutes', 'aiservicebackends'], verbs: VERBS },
      { apiGroups: ['gateway.envoyproxy.io'], resources: ['backends'], verbs: VERBS },
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['gateways'], verbs: VERBS },
      { apiGroups: [''], resources: ['configmaps'], verbs: VERBS },
      PARENT_GET,
    ]));
    expect(one(synth({ mockProvider: true, apiKeyAuth: true, connectionBufferLimit: '32Mi' }), 'Role').rules).toEqual(perResource([
      { apiGroups: ['aigateway.envoyproxy.io'], resources: ['aigatewayroutes', 'aiservicebackends', 'backendsecuritypolicies'], verbs: VERBS },
      { apiGroups: ['gateway.envoyproxy.io'], resources: ['backends', 'clienttrafficpolicies'], verbs: VERBS },
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['gateways'], verbs: VERBS },
      { apiGroups: [''], resources: ['configmaps', 'services', 'secrets'], verbs: VERBS },
      PARENT_GET,
      { apiGroups: ['apps'], resources: ['deployments'], verbs: VERBS },
    ]));
    const binding = one(synth(), 'RoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'aigw-scale-bench' });
    expect(binding.subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: 'aigw-scale-bench', namespace: 'bench' }]); // cdk8s-plus names the core group
  });

  test('the ClusterRole: own GatewayClass, named CRDs and controllers, samplers, discovery', () => {
    const rules = one(synth(), 'ClusterRole').rules;
    expect(rules).toEqual(perResource([
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['gatewayclasses'], verbs: ['create', 'list'] },
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['gatewayclasses'], resourceNames: ['aigw-scale-run-1'], verbs: ['patch', 'delete'] },
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], resourceNames: REQUIRED_CRDS, verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['envoy-gateway', 'ai-gateway-controller'], verbs: ['get'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['list'] },
      { apiGroups: ['aigateway.envoyproxy.io'], resources: ['aigatewayroutes'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] },
      { nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/version'], verbs: ['get'] },
    ]));
    expect(one(synth({ kubeletSummary: false }), 'ClusterRole').rules.some((r: any) => r.resources?.includes('nodes/proxy'))).toBe(false);
    const binding = one(synth(), 'ClusterRoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'aigw-scale-bench-bench' });
    expect(binding.subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: 'aigw-scale-bench', namespace: 'bench' }]); // cdk8s-plus names the core group
  });

  test('the run\'s --milestone and --profiles flags grant exactly the watch, pods/proxy and config read they use', () => {
    const objects = synth({ benchArgs: ['--milestone', 'HTTPRoute:Accepted@parents', '--milestone=AIGatewayRoute:Accepted', '--profiles'] });
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.namespace === 'bench');
    expect(role.rules.slice(-2)).toEqual(perResource([
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['list', 'watch'] },
      { apiGroups: ['aigateway.envoyproxy.io'], resources: ['aigatewayroutes'], verbs: ['list', 'watch'] },
    ]));
    // the pod proxy only in Envoy Gateway's namespace, where the profiles are taken
    const profiles = objects.filter((o) => o.metadata.namespace === 'envoy-gateway-system');
    expect(profiles.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Role/aigw-scale-bench-bench-profiles', 'RoleBinding/aigw-scale-bench-bench-profiles']);
    expect(profiles[0].rules).toEqual([
      { apiGroups: [''], resources: ['pods/proxy'], verbs: ['get'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['envoy-gateway-config'], verbs: ['get'] }, // where pprof listens
    ]);
    expect(profiles[1].roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'aigw-scale-bench-bench-profiles' });
    expect(profiles[1].subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: 'aigw-scale-bench', namespace: 'bench' }]);
    expect(() => synth({ benchArgs: ['--milestone', 'Pod:Ready'] })).toThrow(/--milestone Pod/);
  });

  test('the run\'s --find-ceiling grants what the search lists and reads as evidence, the controllers\' logs in their namespaces only', () => {
    const objects = synth({ benchArgs: ['--find-ceiling'] });
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.namespace === 'bench');
    expect(role.rules.slice(-5)).toEqual(perResource([
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['list'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list'] },
      { apiGroups: ['aigateway.envoyproxy.io'], resources: ['aigatewayroutes'], verbs: ['get'] },
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes', 'gateways'], verbs: ['get'] },
    ]));
    const logs = objects.filter((o) => o.metadata.namespace !== 'bench' && o.metadata.namespace !== undefined);
    expect(logs.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([...new Set(CONTROLLERS.map((c) => c.namespace))].flatMap((ns) => [`Role/${ns}/aigw-scale-bench-bench-ceiling`, `RoleBinding/${ns}/aigw-scale-bench-bench-ceiling`]));
    for (const o of logs.filter((l) => l.kind === 'Role')) expect(o.rules).toEqual([{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }]);
    expect(synth().some((o) => o.metadata.name.endsWith('-ceiling'))).toBe(false);
  });

  test('the run\'s --repeat k may apply and delete the GatewayClass of each repeat\'s fixture, and no other', () => {
    const named = (objects: any[]) => one(objects, 'ClusterRole').rules.filter((r: any) => r.resources?.[0] === 'gatewayclasses' && r.resourceNames).map((r: any) => [r.resourceNames[0], r.verbs]);
    expect(named(synth({ benchArgs: ['--repeat', '3'] }))).toEqual(['r1', 'r2', 'r3'].map((r) => [`aigw-scale-run-1-${r}`, ['patch', 'delete']]));
    expect(named(synth({ benchArgs: ['--repeat=1'] }))).toEqual([['aigw-scale-run-1', ['patch', 'delete']]]);
    expect(() => synth({ benchArgs: ['--repeat', '0'] })).toThrow(/--repeat 0/);
  });

  test('the defaults match what preflight reads', () => {
    expect(BENCH_REQUIRED_CRDS).toEqual(REQUIRED_CRDS);
    expect(BENCH_CONTROLLER_DEPLOYMENTS).toEqual(CONTROLLERS.map((c) => c.deployment));
  });

  test('RBAC: no wildcard verbs, resources or groups; no escalate/bind/impersonate; no RBAC or token objects', () => {
    for (const props of [{}, { mockProvider: true, apiKeyAuth: true, connectionBufferLimit: '32Mi' }]) {
      const objects = synth(props);
      const rules = [...one(objects, 'Role').rules, ...one(objects, 'ClusterRole').rules];
      for (const rule of rules) {
        expect(rule.verbs).not.toContain('*');
        for (const verb of rule.verbs) expect(['get', 'list', 'create', 'patch', 'delete']).toContain(verb);
        for (const field of ['apiGroups', 'resources', 'resourceNames']) for (const value of rule[field] ?? []) expect(value).not.toContain('*');
        for (const url of rule.nonResourceURLs ?? []) expect(['/api', '/api/*', '/apis', '/apis/*', '/version']).toContain(url);
        expect(rule.apiGroups ?? []).not.toContain('rbac.authorization.k8s.io');
        for (const resource of rule.resources ?? []) expect(['serviceaccounts', 'serviceaccounts/token', 'pods/exec', 'users', 'groups']).not.toContain(resource);
        expect(rule.verbs).not.toEqual(expect.arrayContaining(['watch'])); // the runner never watches
      }
      // nothing in the cluster outside the fixture may be changed, except the run's own GatewayClass
      for (const rule of one(objects, 'ClusterRole').rules) {
        const writes = rule.verbs.filter((v: string) => v !== 'get' && v !== 'list');
        if (writes.length > 0) expect(rule.resources).toEqual(['gatewayclasses']);
        if (writes.some((v: string) => v !== 'create')) expect(rule.resourceNames).toEqual(['aigw-scale-run-1']);
      }
    }
  });

  test('every kind the run creates is covered by the Role (namespaced) or the ClusterRole (cluster-scoped)', () => {
    const plural = (kind: string) => (/[^aeiou]y$/.test(kind) ? `${kind.slice(0, -1).toLowerCase()}ies` : kind.endsWith('s') ? `${kind.toLowerCase()}es` : `${kind.toLowerCase()}s`);
    const allows = (rules: any[], group: string, resource: string, verb: string, name?: string) =>
      rules.some((r) => r.apiGroups?.includes(group) && r.resources?.includes(resource) && r.verbs.includes(verb) && (!r.resourceNames || (name && r.resourceNames.includes(name))));
    for (const options of [{}, { mockProvider: true, apiKeyAuth: true, connectionBufferLimit: '32Mi', envoyServiceType: 'NodePort' as const }]) {
      const objects = synth(options);
      const [role, clusterRole] = [one(objects, 'Role').rules, one(objects, 'ClusterRole').rules];
      const spec = resolveFixtureSpec({ routes: 4, backends: 2, namespace: 'bench', fixtureId: 'run-1', createNamespace: false, apiKeyAuth: (options as any).apiKeyAuth, connectionBufferLimit: (options as any).connectionBufferLimit, envoyServiceType: (options as any).envoyServiceType });
      const manifests = fixtureParts(spec, (options as any).mockProvider ? { mockProviderCode: CODE } : {}).flatMap((p) => [...p.manifests]);
      expect(manifests.length).toBeGreaterThan(0);
      for (const m of manifests) {
        const group = m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '';
        const resource = plural(m.kind);
        for (const verb of VERBS) {
          const ok = m.metadata.namespace ? allows(role, group, resource, verb) : allows(clusterRole, group, resource, verb, verb === 'create' || verb === 'list' ? undefined : m.metadata.name);
          if (!ok) throw new Error(`${verb} ${m.kind}/${m.metadata.name} is not allowed`);
        }
      }
    }
  });

  test('the Job: stock node image, bundle from the ConfigMap, non-root, read-only, explicit resources, no retries', () => {
    const job = one(synth(), 'Job');
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.ttlSecondsAfterFinished).toBe(86400);
    expect(job.spec.activeDeadlineSeconds).toBeUndefined();
    const pod = job.spec.template.spec;
    expect(pod.serviceAccountName).toBe('aigw-scale-bench');
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'Always', seccompProfile: { type: 'RuntimeDefault' } });
    expect(job.spec.template.metadata.annotations['kubectl.kubernetes.io/default-container']).toBe('results');
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['bench']);
    expect(pod.containers.map((c: any) => c.name)).toEqual(['results']);
    for (const container of [...pod.initContainers, ...pod.containers]) {
      expect(container.image).toBe('node:20-alpine');
      expect(container.command.slice(0, 2)).toEqual(['node', '-e']);
      expect(container.securityContext).toEqual(RESTRICTED_CONTAINER_SECURITY_CONTEXT);
      expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    }
    const [bench] = pod.initContainers;
    expect(bench.resources).toEqual({ requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '1024Mi' } }); // 1 GiB: cdk8s-plus renders memory in Mi
    expect(bench.volumeMounts).toEqual([
      { name: 'code', mountPath: '/app', readOnly: true },
      { name: 'results', mountPath: '/results' },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'results', mountPath: '/results', readOnly: true }]);
    // cdk8s-plus lists a pod's volumes as its containers mount them, the containers before the init containers
    expect(pod.volumes).toEqual([
      { name: 'results', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'code', configMap: { name: 'aigw-scale-bench-code', defaultMode: 0o444 } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    ]);
  });

  test('the bench arguments come from the props', () => {
    const bench = one(synth({ mockProvider: true, apiKeyAuth: true, connectionBufferLimit: '32Mi', headerMutations: 2, benchArgs: ['--batch-size', '10'] }), 'Job').spec.template.spec.initContainers[0];
    expect(bench.args).toEqual([
      '/app/aigw-scale.js', 'bench', '--yes',
      '--gateway-url', `http://${envoyServiceName('bench', 'aigw-scale')}.envoy-gateway-system.svc.cluster.local:80`,
      '--fixture-json', JSON.stringify({ ...resolveFixtureSpec({ routes: 100, backends: 4, namespace: 'bench', fixtureId: 'run-1', mockProvider: true, apiKeyAuth: true, connectionBufferLimit: '32Mi', headerMutations: 2 }), createNamespace: false }),
      '--out', '/results', '--batch-size', '10',
    ]);
    const custom = one(synth({ gatewayUrl: 'http://gw.example:8080', fixtureId: undefined }), 'Job').spec.template.spec.initContainers[0].args;
    expect(custom.slice(3, 5)).toEqual(['--gateway-url', 'http://gw.example:8080']);
    expect(JSON.parse(custom[custom.indexOf('--fixture-json') + 1]).fixtureId).toBe('bench'); // default: the namespace
    const listener = one(synth({ listenerPort: 8080 }), 'Job').spec.template.spec.initContainers[0].args;
    expect(listener[listener.indexOf('--gateway-url') + 1]).toMatch(/:8080$/); // the Envoy Service's port is the listener's
  });

  test('the Envoy Service name follows Envoy Gateway\'s default naming (48 readable characters + 8 hex digits)', () => {
    expect(envoyServiceName('bench', 'aigw-scale')).toMatch(/^envoy-bench-aigw-scale-[0-9a-f]{8}$/);
    expect(envoyServiceName('bench', 'aigw-scale')).not.toBe(envoyServiceName('bench2', 'aigw-scale'));
    const long = envoyServiceName('a'.repeat(40), 'gateway-name');
    expect(long).toMatch(new RegExp(`^envoy-${'a'.repeat(40)}-gateway-[0-9a-f]{8}$`)); // cut at 48, trailing "-" dropped
    expect(envoyServiceUrl('ns', 'gw', 'eg', 8080)).toMatch(/^http:\/\/envoy-ns-gw-[0-9a-f]{8}\.eg\.svc\.cluster\.local:8080$/);
  });

  test('the ConfigMap carries the bundle: plain, or gzipped with an unpack step above the threshold', () => {
    expect(one(synth(), 'ConfigMap').data).toEqual({ 'aigw-scale.js': CODE });
    const big = `// ${'x'.repeat(80)}\n`.repeat(Math.ceil((DEFAULT_GZIP_THRESHOLD_BYTES + 1) / 84));
    const objects = synth({ code: big });
    const configMap = one(objects, 'ConfigMap');
    expect(gunzipSync(Buffer.from(configMap.binaryData['aigw-scale.js.gz'], 'base64')).toString()).toBe(big);
    const pod = one(objects, 'Job').spec.template.spec;
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['unpack', 'bench']);
    expect(pod.initContainers[1].args[0]).toBe('/unpacked/aigw-scale.js');
    expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'unpacked', emptyDir: { sizeLimit: '64Mi' } }]));
    const a = one(synth(), 'Job').spec.template.metadata.annotations['aigw-scale/cli-sha256'];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(one(synth({ code: `${CODE}//\n` }), 'Job').spec.template.metadata.annotations['aigw-scale/cli-sha256']).not.toBe(a);
  });

  test('the pod scripts: bench records its exit code; results prints results.json only and exits with it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-bench-job-'));
    try {
      const pod = one(synth(), 'Job').spec.template.spec;
      const local = (script: string) => script.split('/results/').join(`${dir}/`);
      const fakeBundle = path.join(dir, 'fake.js');
      fs.writeFileSync(fakeBundle, `require('fs').writeFileSync(${JSON.stringify(`${dir}/results.json`)}, JSON.stringify({ args: process.argv.slice(2) })); console.log('progress line'); process.exitCode = 3;`);
      const benchOut = execFileSync('node', ['-e', local(pod.initContainers[0].command[2]), fakeBundle, 'bench', '--routes', '2'], { encoding: 'utf8' });
      expect(benchOut).toBe('progress line\n');
      expect(fs.readFileSync(path.join(dir, 'exit-code'), 'utf8')).toBe('3');
      let status = 0;
      let stdout = '';
      try {
        stdout = execFileSync('node', ['-e', local(pod.containers[0].command[2])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      } catch (error: any) {
        status = error.status;
        stdout = error.stdout;
      }
      expect(status).toBe(3);
      expect(JSON.parse(stdout)).toEqual({ args: ['bench', '--routes', '2'] });
      fs.rmSync(path.join(dir, 'results.json'));
      fs.writeFileSync(path.join(dir, 'exit-code'), '0');
      expect(() => execFileSync('node', ['-e', local(pod.containers[0].command[2])], { stdio: 'ignore' })).toThrow(); // no results: exit 1
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad props throw, naming each', () => {
    expect(() => synth({ routes: 1 })).toThrow(/routes 1/);
    expect(() => synth({ backends: 200 })).toThrow(/backends 200/);
    expect(() => synth({ namespace: 'Bad_NS' })).toThrow(/namespace/);
    expect(() => synth({ fixtureId: 'x'.repeat(60) })).toThrow(/fixtureId/);
    expect(() => synth({ code: '' })).toThrow(/code/);
    expect(() => synth({ gatewayUrl: 'gw:80' })).toThrow(/gatewayUrl/);
  });

  test('benchJobManifests yields exactly what the construct synthesizes', () => {
    expect(synth()).toEqual(JSON.parse(JSON.stringify(benchJobManifests(BASE))));
  });
});
