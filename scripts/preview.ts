/**
 * Preview environments: one Pulumi stack of this project per name (a pull request, a branch, an experiment),
 * driven by Pulumi's Automation API, so a CI job or a person needs one command and no `pulumi` know-how.
 *
 *   npm run preview -- up --name pr-123 [--routes 200] [--backends 10] [--fixture-mode bundle|resources] …
 *   npm run preview -- kubeconfig --name pr-123 --out pr-123.kubeconfig
 *   npm run preview -- outputs --name pr-123
 *   npm run preview -- down --name pr-123
 *
 * State goes to `$PULUMI_BACKEND_URL`, by default a local file backend in ~/.aigw-scale/pulumi (no Pulumi
 * Cloud account needed). Secrets in the state (the cluster's kubeconfig) are encrypted with
 * `$PULUMI_CONFIG_PASSPHRASE` (or `_FILE`), which a self-managed backend requires. `up` writes the stack's
 * settings to Pulumi.<name>.yaml while the environment exists; `down` destroys it and removes the stack.
 * A name that belongs to a stack file this script did not create (dev, scale-2000 …) is refused.
 */

import { Command, CommanderError, Option } from 'commander';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLUSTER_TYPES, FIXTURE_MODES, InfraConfigError, PROJECT, PROJECT_ROOT, RawConfig, parseInfraConfig } from '../infra/config';

/** The part of an Automation API stack this script uses (a fake in tests). */
export interface PreviewStack {
  getAllConfig(): Promise<Record<string, { value: string; secret?: boolean }>>;
  setAllConfig(config: Record<string, { value: string; secret?: boolean }>): Promise<void>;
  removeAllConfig(keys: string[]): Promise<void>;
  up(opts: { onOutput: (out: string) => void }): Promise<{ outputs: Record<string, { value: unknown; secret: boolean }> }>;
  destroy(opts: { onOutput: (out: string) => void; remove: boolean }): Promise<unknown>;
  outputs(): Promise<Record<string, { value: unknown; secret: boolean }>>;
}

export interface Automation {
  createOrSelectStack(stackName: string, workDir: string, envVars: Record<string, string>): Promise<PreviewStack>;
  /** The stack, or undefined when it does not exist. */
  selectStack(stackName: string, workDir: string, envVars: Record<string, string>): Promise<PreviewStack | undefined>;
}

export interface PreviewDeps {
  readonly automation?: Automation;
  readonly env?: NodeJS.ProcessEnv;
  readonly home?: string;
  readonly projectRoot?: string;
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
}

/** Bad input: printed without a stack trace, exit code 2, nothing done. */
export class PreviewUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreviewUsageError';
  }
}

/** kind names the cluster aigw-scale-<name>; kind and Docker keep such names short. */
export const MAX_NAME_LENGTH = 39;
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Where `up` records the environments it created, so `down` never takes a hand-made stack's name. */
export const PREVIEW_RECORDS_DIR = path.join('.aigw-scale', 'previews');

const recordFile = (projectRoot: string, name: string) => path.join(projectRoot, PREVIEW_RECORDS_DIR, `${name}.json`);

/**
 * A preview name is the stack name, the fixture id and the namespace: a DNS-1123 label of at most 39
 * characters, and not the name of a stack file this script did not create (the checked-in stacks).
 */
export function validatePreviewName(name: unknown, projectRoot: string = PROJECT_ROOT): string {
  if (typeof name !== 'string' || name.length === 0) throw new PreviewUsageError('--name: required, e.g. --name pr-123');
  if (name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
    throw new PreviewUsageError(`--name: got ${JSON.stringify(name)}; allowed: lowercase letters, digits and "-", starting and ending alphanumeric, 1-${MAX_NAME_LENGTH} characters (e.g. pr-123)`);
  }
  if (fs.existsSync(path.join(projectRoot, `Pulumi.${name}.yaml`)) && !fs.existsSync(recordFile(projectRoot, name))) {
    throw new PreviewUsageError(`--name: got ${JSON.stringify(name)}; allowed: a name that is not one of the project's own stacks (Pulumi.${name}.yaml was not made by this script)`);
  }
  return name;
}

/** Options of `up`, as commander parses them. */
export interface UpOptions {
  name: string;
  routes: string;
  backends?: string;
  headerMutations?: string;
  fixtureMode?: string;
  clusterType?: string;
  kubeconfig?: string;
  context?: string;
  grpcMaxMessageSize?: string;
  chartSource?: string;
  mockProvider: boolean;
}

/** The stack config for `up`, validated by the program's own config module before Pulumi runs. */
export function previewConfig(options: UpOptions, projectRoot: string = PROJECT_ROOT, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const raw: Record<string, string | undefined> = {
    routes: options.routes,
    backends: options.backends,
    headerMutations: options.headerMutations,
    fixtureMode: options.fixtureMode,
    clusterType: options.clusterType,
    kubeconfig: options.kubeconfig,
    kubeContext: options.context,
    grpcMaxMessageSize: options.grpcMaxMessageSize,
    chartSource: options.chartSource,
    mockProvider: String(options.mockProvider),
  };
  const config = Object.fromEntries(Object.entries(raw).filter((entry): entry is [string, string] => entry[1] !== undefined));
  try {
    parseInfraConfig(config as RawConfig, { stack: options.name, projectRoot, env });
  } catch (error) {
    if (error instanceof InfraConfigError) throw new PreviewUsageError(error.message);
    throw error;
  }
  return config;
}

/**
 * The environment for the Pulumi CLI: the backend (PULUMI_BACKEND_URL, default a file backend under
 * ~/.aigw-scale/pulumi, created if missing), no update checks, and a passphrase for self-managed backends.
 */
export function pulumiEnvironment(env: NodeJS.ProcessEnv, home: string): Record<string, string> {
  const backend = env.PULUMI_BACKEND_URL || `file://${path.join(home, '.aigw-scale', 'pulumi')}`;
  if (backend.startsWith('file://') && !env.PULUMI_BACKEND_URL) fs.mkdirSync(backend.slice('file://'.length), { recursive: true, mode: 0o700 });
  const selfManaged = /^(file|s3|gs|azblob):\/\//.test(backend);
  const hasPassphrase = env.PULUMI_CONFIG_PASSPHRASE !== undefined || Boolean(env.PULUMI_CONFIG_PASSPHRASE_FILE);
  if (selfManaged && !hasPassphrase) {
    throw new PreviewUsageError(
      `PULUMI_CONFIG_PASSPHRASE is not set: the ${backend} backend encrypts each stack's secrets (its kubeconfig) with it. ` +
        'Set it (or PULUMI_CONFIG_PASSPHRASE_FILE) and keep it: `down` needs the same one.',
    );
  }
  const vars: Record<string, string> = { PULUMI_BACKEND_URL: backend, PULUMI_SKIP_UPDATE_CHECK: 'true' };
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) vars.PULUMI_CONFIG_PASSPHRASE = env.PULUMI_CONFIG_PASSPHRASE;
  if (env.PULUMI_CONFIG_PASSPHRASE_FILE) vars.PULUMI_CONFIG_PASSPHRASE_FILE = env.PULUMI_CONFIG_PASSPHRASE_FILE;
  return vars;
}

/** The outputs a person wants after `up`, secrets never printed. */
export function describeOutputs(outputs: Record<string, { value: unknown; secret: boolean }>): string {
  const value = (name: string) => (outputs[name]?.secret ? '[secret]' : JSON.stringify(outputs[name]?.value));
  const grpc = outputs.grpcLimits?.value as { envoyGateway?: { maxMessageSize?: string }; aiGateway?: { maxRecvMsgSize?: string } } | undefined;
  return [
    `cluster ${value('clusterName')} (${value('clusterType')}); gateway ${value('gatewayAddress')}`,
    `fixture ${value('fixtureId')} in namespace ${value('namespace')}: ${value('routes')} routes, ${value('backends')} backends, ${value('fixtureObjects')} objects (${value('fixtureMode')}), sha256 ${value('fixtureHash')}`,
    `gRPC limits: Envoy Gateway maxMessageSize ${grpc?.envoyGateway?.maxMessageSize}, AI Gateway maxRecvMsgSize ${grpc?.aiGateway?.maxRecvMsgSize}`,
    `kubeconfig: npm run preview -- kubeconfig --name ${value('fixtureId').replace(/"/g, '')} --out FILE`,
  ].join('\n');
}

/** The real Automation API, loaded only when a command runs. */
async function realAutomation(): Promise<Automation> {
  const { LocalWorkspace, StackNotFoundError } = await import('@pulumi/pulumi/automation');
  const wrap = async <T>(action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      const message = (error as Error).message ?? '';
      if (/ENOENT|could not find .?pulumi|pulumi: (command )?not found/i.test(message)) {
        throw new Error('the Pulumi CLI is not installed or not on PATH: https://www.pulumi.com/docs/iac/download-install/ (v3.248.0 matches @pulumi/pulumi)');
      }
      throw error;
    }
  };
  return {
    createOrSelectStack: (stackName, workDir, envVars) => wrap(() => LocalWorkspace.createOrSelectStack({ stackName, workDir }, { envVars })) as Promise<PreviewStack>,
    selectStack: (stackName, workDir, envVars) =>
      wrap(async () => {
        try {
          return (await LocalWorkspace.selectStack({ stackName, workDir }, { envVars })) as PreviewStack;
        } catch (error) {
          if (error instanceof StackNotFoundError) return undefined;
          throw error;
        }
      }),
  };
}

export function buildCommands(deps: PreviewDeps = {}): Command {
  const env = deps.env ?? process.env;
  const home = deps.home ?? os.homedir();
  const projectRoot = deps.projectRoot ?? PROJECT_ROOT;
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const automation = async () => deps.automation ?? (await realAutomation());
  const onOutput = (out: string) => stdout.write(out);

  const program = new Command('preview')
    .description('preview environments: one Pulumi stack per name (e.g. a pull request)')
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: (text) => stderr.write(text) }) // inherited by the commands below
    .exitOverride();
  const nameOption = () => new Option('--name <name>', 'environment name: the stack, fixture id and namespace (e.g. pr-123)').makeOptionMandatory();

  program
    .command('up')
    .description('create or update the environment')
    .addOption(nameOption())
    .option('--routes <n>', 'AIGatewayRoutes', '200')
    .option('--backends <m>', 'backends (1..routes)', '10')
    .option('--header-mutations <k>', 'headers each AIServiceBackend sets (0-16)')
    .addOption(new Option('--fixture-mode <mode>', 'how Pulumi manages the fixture').choices([...FIXTURE_MODES]))
    .addOption(new Option('--cluster-type <type>', 'where it runs (default kind)').choices([...CLUSTER_TYPES]))
    .option('--kubeconfig <file>', 'kubeconfig for --cluster-type kubeconfig')
    .option('--context <name>', 'kubeconfig context for --cluster-type kubeconfig')
    .option('--grpc-max-message-size <quantity>', 'the extension gRPC limit, both sides (default 25Mi)')
    .option('--chart-source <dir>', '"oci" (default) or a directory of chart directories, e.g. ../shared/charts')
    .option('--no-mock-provider', 'no mock LLM provider in the fixture')
    .exitOverride()
    .action(async (options: UpOptions) => {
      const name = validatePreviewName(options.name, projectRoot);
      const config = previewConfig({ ...options, name }, projectRoot, env);
      const envVars = pulumiEnvironment(env, home);
      fs.mkdirSync(path.join(projectRoot, PREVIEW_RECORDS_DIR), { recursive: true });
      fs.writeFileSync(recordFile(projectRoot, name), `${JSON.stringify({ name, backend: envVars.PULUMI_BACKEND_URL, created: new Date().toISOString() }, null, 2)}\n`);
      stderr.write(`preview ${name}: pulumi up (backend ${envVars.PULUMI_BACKEND_URL})\n`);
      let stack: PreviewStack;
      try {
        stack = await (await automation()).createOrSelectStack(name, projectRoot, envVars);
      } catch (error) {
        // Keep the record only if Pulumi got as far as writing the stack file.
        if (!fs.existsSync(path.join(projectRoot, `Pulumi.${name}.yaml`))) fs.rmSync(recordFile(projectRoot, name), { force: true });
        throw error;
      }
      // The flags are the whole configuration: drop what an earlier `up` set and this one does not.
      const stale = Object.keys(await stack.getAllConfig()).filter((key) => key.startsWith(`${PROJECT}:`) && !(key.slice(PROJECT.length + 1) in config));
      if (stale.length > 0) await stack.removeAllConfig(stale);
      await stack.setAllConfig(Object.fromEntries(Object.entries(config).map(([key, value]) => [`${PROJECT}:${key}`, { value }])));
      const result = await stack.up({ onOutput });
      stdout.write(`\n${describeOutputs(result.outputs)}\n`);
    });

  program
    .command('down')
    .description('destroy the environment and remove its stack (nothing to do when it does not exist)')
    .addOption(nameOption())
    .exitOverride()
    .action(async (options: { name: string }) => {
      const name = validatePreviewName(options.name, projectRoot);
      const envVars = pulumiEnvironment(env, home);
      const stack = await (await automation()).selectStack(name, projectRoot, envVars);
      if (!stack) {
        stderr.write(`preview ${name}: no such stack in ${envVars.PULUMI_BACKEND_URL}; nothing to do\n`);
      } else {
        stderr.write(`preview ${name}: pulumi destroy (backend ${envVars.PULUMI_BACKEND_URL})\n`);
        await stack.destroy({ onOutput, remove: true });
      }
      fs.rmSync(recordFile(projectRoot, name), { force: true });
    });

  program
    .command('kubeconfig')
    .description("write the environment's kubeconfig (a secret) to a file, mode 0600")
    .addOption(nameOption())
    .requiredOption('--out <file>', 'where to write it')
    .exitOverride()
    .action(async (options: { name: string; out: string }) => {
      const name = validatePreviewName(options.name, projectRoot);
      const stack = await (await automation()).selectStack(name, projectRoot, pulumiEnvironment(env, home));
      if (!stack) throw new PreviewUsageError(`--name: no preview environment ${JSON.stringify(name)}; create it with \`npm run preview -- up --name ${name}\``);
      const kubeconfig = (await stack.outputs()).kubeconfig?.value;
      if (typeof kubeconfig !== 'string') throw new Error(`preview ${name} has no kubeconfig output; run \`npm run preview -- up --name ${name}\``);
      fs.writeFileSync(options.out, kubeconfig, { mode: 0o600 });
      fs.chmodSync(options.out, 0o600);
      stderr.write(`wrote ${options.out}\n`);
    });

  program
    .command('outputs')
    .description('print the stack outputs as JSON (secrets masked)')
    .addOption(nameOption())
    .exitOverride()
    .action(async (options: { name: string }) => {
      const name = validatePreviewName(options.name, projectRoot);
      const stack = await (await automation()).selectStack(name, projectRoot, pulumiEnvironment(env, home));
      if (!stack) throw new PreviewUsageError(`--name: no preview environment ${JSON.stringify(name)}`);
      const outputs = await stack.outputs();
      stdout.write(`${JSON.stringify(Object.fromEntries(Object.entries(outputs).map(([key, o]) => [key, o.secret ? '[secret]' : o.value])), null, 2)}\n`);
    });
  return program;
}

/** Runs one command; returns the exit code (2 for bad input, 1 for failures). */
export async function run(argv: readonly string[], deps: PreviewDeps = {}): Promise<number> {
  const stderr = deps.stderr ?? process.stderr;
  try {
    await buildCommands(deps).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander printed it
    stderr.write(`preview: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof PreviewUsageError ? 2 : 1;
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
