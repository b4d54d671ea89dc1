/**
 * The Pulumi CLI run offline against a throwaway backend: shared by the end-to-end tests (tests/e2e/) and
 * `npm run bench:pulumi`, so it lives with the benchmarks, which import nothing from tests/.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { PROJECT_ROOT } from '../src/upstream/dirs';

const BUILD_SCRIPT = path.join(PROJECT_ROOT, 'src', 'local', 'build-binaries.sh');
const PULUMI_COMPONENTS = ['pulumi', 'pulumi-language-nodejs', 'pulumi-resource-kubernetes'];

/**
 * Directories holding the Pulumi CLI and its plugins: the ones `npx aigw-scale local build --with-pulumi` builds
 * into the cache, or — when the cache has none and `pulumi` is on PATH — the user's own installation (which then
 * must have the kubernetes plugin v4.25.0: `pulumi plugin install resource kubernetes v4.25.0`).
 */
export function pulumiToolDirs(): { dirs: string[]; built: boolean } {
  const printed = spawnSync('bash', [BUILD_SCRIPT, '--only', PULUMI_COMPONENTS.join(','), '--print-paths'], { encoding: 'utf8' });
  if (printed.status !== 0) throw new Error(`${BUILD_SCRIPT} --print-paths failed: ${printed.stderr}`);
  const paths = printed.stdout.trim().split('\n').map((line) => line.split('=')[1]);
  if (paths.every((file) => fs.existsSync(file))) return { dirs: paths.map((file) => path.dirname(file)), built: true };
  if (spawnSync('pulumi', ['version'], { encoding: 'utf8' }).status === 0) return { dirs: [], built: false };
  const missing = paths.filter((file) => !fs.existsSync(file));
  throw new Error(`no Pulumi CLI: missing ${missing.join(', ')} and no \`pulumi\` on PATH; build them with \`npx aigw-scale local build --with-pulumi\``);
}

export interface PulumiRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** A run given a time budget: `stoppedAtBudget` when it was interrupted at the budget (then it did not finish). */
export interface BudgetedRun extends PulumiRun {
  readonly stoppedAtBudget: boolean;
}

/** After the budget's SIGINT, how long Pulumi may take to finish its in-flight steps and write the state. */
const CANCEL_GRACE_MS = 120_000;
/** After the second SIGINT (Pulumi then stops its plugins at once), how long before SIGKILL. */
const TERMINATE_GRACE_MS = 30_000;
/** How much of a run's output is kept for error messages. */
const OUTPUT_TAIL = 8000;

/**
 * A Pulumi CLI session for one test file: its own file backend and PULUMI_HOME in a temp directory, the stack's
 * secrets encrypted with a throwaway passphrase, offline (no update checks, no plugin downloads).
 */
export class PulumiSession {
  readonly home = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-e2e-pulumi-'));
  readonly env: NodeJS.ProcessEnv;

  /** `extraEnv`: more variables for every command, e.g. `PULUMI_SKIP_CHECKPOINTS`. */
  constructor(kubeconfig: string, extraEnv: NodeJS.ProcessEnv = {}) {
    const tools = pulumiToolDirs();
    fs.mkdirSync(path.join(this.home, 'state'));
    this.env = {
      ...process.env,
      PATH: [...tools.dirs, process.env.PATH].join(path.delimiter),
      PULUMI_HOME: path.join(this.home, 'pulumi-home'),
      PULUMI_BACKEND_URL: `file://${path.join(this.home, 'state')}`,
      PULUMI_CONFIG_PASSPHRASE: 'aigw-scale-e2e',
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      // `npm test` type-checks infra/; here Pulumi's ts-node only transpiles.
      PULUMI_NODEJS_TRANSPILE_ONLY: 'true',
      ...(tools.built ? { PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true' } : {}),
      KUBECONFIG: kubeconfig,
      ...extraEnv,
    };
  }

  run(...args: string[]): PulumiRun {
    const started = performance.now();
    const result = spawnSync('pulumi', [...args, '--non-interactive'], { cwd: PROJECT_ROOT, env: this.env, encoding: 'utf8', maxBuffer: 256 << 20 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, seconds: (performance.now() - started) / 1000 };
  }

  /** Runs and fails with the command's output when it exits non-zero. */
  ok(...args: string[]): PulumiRun {
    const result = this.run(...args);
    if (result.status !== 0) throw new Error(`pulumi ${args.join(' ')} exited ${result.status}:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
    return result;
  }

  /**
   * Runs with a time budget. At the budget Pulumi gets SIGINT, which cancels the operation the way Ctrl-C does:
   * the engine lets its in-flight steps finish and writes the state. If it has not exited after a grace period, a
   * second SIGINT stops it and its plugins at once, and SIGKILL follows if even that hangs.
   */
  runWithin(budgetSeconds: number, ...args: string[]): Promise<BudgetedRun> {
    const started = performance.now();
    const child = spawn('pulumi', [...args, '--non-interactive'], { cwd: PROJECT_ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    const keep = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => (output[stream] = (output[stream] + chunk.toString()).slice(-OUTPUT_TAIL));
    child.stdout.on('data', keep('stdout'));
    child.stderr.on('data', keep('stderr'));
    let stoppedAtBudget = false;
    const timers: NodeJS.Timeout[] = [];
    if (Number.isFinite(budgetSeconds)) {
      timers.push(
        setTimeout(() => {
          stoppedAtBudget = true;
          child.kill('SIGINT');
          timers.push(setTimeout(() => child.kill('SIGINT'), CANCEL_GRACE_MS));
          timers.push(setTimeout(() => child.kill('SIGKILL'), CANCEL_GRACE_MS + TERMINATE_GRACE_MS));
        }, budgetSeconds * 1000),
      );
    }
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (status) => {
        timers.forEach(clearTimeout);
        // A command that still exited 0 after the SIGINT had finished its work anyway.
        resolve({ status, ...output, seconds: (performance.now() - started) / 1000, stoppedAtBudget: stoppedAtBudget && status !== 0 });
      });
    });
  }

  /**
   * `pulumi stack init` for a stack whose settings live in `configFile` (passed as --config-file later): init
   * writes the passphrase's salt into Pulumi.<stack>.yaml in the project, so the salt is moved into
   * `configFile` and the project's file is put back as it was (or removed, if there was none).
   */
  initStack(stack: string, configFile: string): void {
    const projectFile = path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
    const original = fs.existsSync(projectFile) ? fs.readFileSync(projectFile, 'utf8') : undefined;
    try {
      this.ok('stack', 'init', stack);
      const { encryptionsalt } = YAML.parse(fs.readFileSync(projectFile, 'utf8')) ?? {};
      fs.writeFileSync(configFile, YAML.stringify({ ...YAML.parse(fs.readFileSync(configFile, 'utf8')), encryptionsalt }));
    } finally {
      if (original === undefined) fs.rmSync(projectFile, { force: true });
      else fs.writeFileSync(projectFile, original);
    }
  }

  /** The stack's state file (file backend layout: .pulumi/stacks/<project>/<stack>.json). */
  stateFile(project: string, stack: string): string {
    return path.join(this.home, 'state', '.pulumi', 'stacks', project, `${stack}.json`);
  }

  dispose(): void {
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}
