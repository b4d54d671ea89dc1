/**
 * Runs the Pulumi program under Pulumi's own mocks and records every resource registration as the engine
 * would receive it: type, name, URN, parent, explicit dependencies, provider, options and the serialized
 * inputs (where secrets appear wrapped in Pulumi's secret signature). The program module is imported only
 * after the first `setMocks`; each run sets the mocks (stack name) and the config again.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import * as YAML from 'yaml';
import type { ProgramDeps } from '../../infra/program';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Pulumi's marker for a secret value in serialized properties. */
export const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
const SPECIAL_SIG_KEY = '4dabf18193072939515e22adb298388d';
export const FAKE_KIND_KUBECONFIG = 'apiVersion: v1\nkind: Config\n# fake kubeconfig from the mocked kind command\n';
export const FAKE_MOCK_PROVIDER_CODE = '// mock provider bundle stand-in for tests\n';

export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parent: string;
  readonly dependencies: readonly string[];
  readonly provider: string;
  readonly custom: boolean;
  /** Inputs as the mocks see them (secrets unwrapped). */
  readonly inputs: any;
  /** Inputs as serialized for the engine (secrets wrapped in the secret signature). */
  readonly serialized: any;
  readonly additionalSecretOutputs: readonly string[];
  readonly replaceOnChanges: readonly string[];
  readonly deleteBeforeReplace: boolean;
}

export interface StackRun {
  readonly outputs: Record<string, any>;
  /** The raw outputs (Pulumi Outputs), for secret checks. */
  readonly rawOutputs: Record<string, unknown>;
  readonly resources: readonly Registration[];
  /** The registration of a logical name (and type token, when names repeat). */
  get(name: string, type?: string): Registration;
  ofType(type: string): Registration[];
  /** True when `from` cannot be created before `to` is: through dependsOn edges, components standing for their children. */
  waitsFor(from: Registration, to: Registration): boolean;
  /** Resources below a component (any depth). */
  descendants(of: Registration): Registration[];
}

/** Config of a checked-in stack file, as the Pulumi CLI hands it to the program (values as text). */
export function stackFileConfig(stack: string): Record<string, string> {
  const file = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
  const parsed = YAML.parse(fs.readFileSync(file, 'utf8')) as { config?: Record<string, unknown> };
  return Object.fromEntries(Object.entries(parsed.config ?? {}).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
}

let program: typeof import('../../infra/program') | undefined;

function stateOf(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  if (args.type === 'command:local:Command' && args.name === 'kind') return { ...args.inputs, stdout: FAKE_KIND_KUBECONFIG, stderr: '' };
  return args.inputs;
}

/** Resolves nested Outputs to plain values. */
export function resolve<T>(value: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
  return new Promise((done) => pulumi.output(value).apply((v) => done(v as pulumi.Unwrap<T>)));
}

/**
 * Runs the program as stack `stack` with `config` (keys with or without the `aigw-scale:` prefix). The
 * mock provider code is a small stand-in unless `deps` says otherwise.
 */
export async function runStack(stack: string, config: Record<string, string>, deps: ProgramDeps = {}): Promise<StackRun> {
  const registrations: Registration[] = [];
  let pending = 0;
  let seen = 0;
  await pulumi.runtime.setMocks({ newResource: (args) => ({ id: `${args.name}-id`, state: stateOf(args) }), call: () => ({}) }, 'aigw-scale', stack, false);
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: unknown, response: any) => void) => {
    pending++;
    seen++;
    const serialized = req.getObject()?.toJavaScript() ?? {};
    return register(req, (err: unknown, response: any) => {
      if (!err) {
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: response.getUrn(),
          parent: req.getParent(),
          dependencies: req.getDependenciesList(),
          provider: req.getProvider(),
          custom: req.getCustom(),
          inputs: unwrapSecrets(serialized),
          serialized,
          additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
          replaceOnChanges: req.getReplaceonchangesList(),
          deleteBeforeReplace: req.getDeletebeforereplace(),
        });
      }
      pending--;
      callback(err, response);
    });
  };
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(':') ? k : `aigw-scale:${k}`, v])));

  program ??= await import('../../infra/program');
  const rawOutputs = await program.main({ mockProviderCode: async () => FAKE_MOCK_PROVIDER_CODE, ...deps });
  const outputs = (await resolve(rawOutputs)) as Record<string, any>;
  // Registrations continue after the program returns; wait until none is in flight and no new one starts.
  for (let last = -1; pending > 0 || last !== seen; ) {
    last = seen;
    await new Promise((done) => setTimeout(done, 5));
  }
  return makeRun(outputs, rawOutputs, registrations);
}

function unwrapSecrets(value: any): any {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === 'object') {
    if (value[SPECIAL_SIG_KEY] === SECRET_SIG) return unwrapSecrets(value.value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

function makeRun(outputs: Record<string, any>, rawOutputs: Record<string, unknown>, resources: Registration[]): StackRun {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const children = new Map<string, Registration[]>();
  for (const r of resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  const descendants = (of: Registration): Registration[] => (children.get(of.urn) ?? []).flatMap((c) => [c, ...descendants(c)]);
  return {
    outputs,
    rawOutputs,
    resources,
    get(name, type) {
      const found = resources.filter((r) => r.name === name && (type === undefined || r.type === type));
      if (found.length !== 1) throw new Error(`expected one resource named ${name}${type ? ` of type ${type}` : ''}, found ${found.length}`);
      return found[0];
    },
    ofType: (type) => resources.filter((r) => r.type === type),
    descendants,
    waitsFor(from, to) {
      const targets = new Set([to.urn, ...descendants(to).map((d) => d.urn)]);
      const queue = [...from.dependencies];
      const visited = new Set<string>();
      while (queue.length > 0) {
        const urn = queue.shift()!;
        if (targets.has(urn)) return true;
        if (visited.has(urn)) continue;
        visited.add(urn);
        const node = byUrn.get(urn);
        if (!node) continue;
        queue.push(...node.dependencies, ...(children.get(urn) ?? []).map((c) => c.urn));
      }
      return false;
    },
  };
}

/** Every string in a serialized value that is not inside a secret. */
export function plainStrings(value: any): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(plainStrings);
  if (value && typeof value === 'object') {
    if (value[SPECIAL_SIG_KEY] === SECRET_SIG) return [];
    return Object.values(value).flatMap(plainStrings);
  }
  return [];
}
