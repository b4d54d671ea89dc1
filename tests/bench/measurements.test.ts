import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FixtureSpec } from '../../charts/fixture-spec';
import { ConfigSize, MeasuredResults, MeasuredRun, Measurement } from '../../src/bench/measurements/measurement';
import { RunMeasurements, chooseMeasurements } from '../../src/bench/measurements/run-measurements';
import { RunOptions } from '../../src/bench/run-record';
import { ExtensionCallFollower } from '../../src/bench/measurements/extension-calls';
import { Cluster } from '../../src/kube/cluster';
import { Scenario } from '../../src/results/scenario';

/** The parts of a scenario that choosing measurements reads: a traffic run without profiles or milestones. */
const defaults = { gateway: { mode: 'cluster' }, profiles: { enabled: false, cpuSeconds: 1 }, milestones: [], sampling: { intervalMs: 1000 } } as unknown as Scenario;

/** Run options that only choosing measurements reads (nothing here reaches a cluster). */
const optionsFor = (scenario: Scenario, extensionCallLog?: string): RunOptions => ({
  cluster: {} as Cluster,
  scenario,
  spec: { namespace: 'ns' } as FixtureSpec,
  samplers: [],
  toolVersion: 'test',
  outDir: os.tmpdir(),
  extensionCallLog,
});

/** A run that stands still: phase validate, `live` routes. */
function fakeRun(live = 3): MeasuredRun & { sizeListeners: ((size: ConfigSize) => void)[] } {
  const sizeListeners: ((size: ConfigSize) => void)[] = [];
  return {
    sizeListeners,
    where: () => ({ phase: 'validate', liveObjects: live }),
    extprocPid: undefined,
    routeIncarnation: () => undefined,
    recordMilestone: () => undefined,
    followConfigSizes: (listener) => void sizeListeners.push(listener),
    log: () => undefined,
  };
}

const emptyResults = (): MeasuredResults => ({ failures: [], notMeasured: [], samples: [], profiles: [] });

describe('chooseMeasurements', () => {
  test('samples always; nothing else for a plain traffic run', () => {
    expect(chooseMeasurements(optionsFor(defaults)).map((m) => m.name)).toEqual(['samples']);
  });

  test('config sizes on the control plane, extension calls with a recorder log, profiles and milestones when the scenario asks', () => {
    const scenario: Scenario = {
      ...defaults,
      gateway: { ...defaults.gateway, mode: 'control-plane' },
      profiles: { enabled: true, cpuSeconds: 1 },
      milestones: [{ name: 'routeAccepted', kind: 'AIGatewayRoute', condition: { type: 'Accepted', status: 'True', perParent: false } }],
    };
    expect(chooseMeasurements(optionsFor(scenario, '/tmp/calls.jsonl')).map((m) => m.name)).toEqual(['samples', 'config sizes', 'extension calls', 'profiles', 'milestones']);
  });
});

describe('RunMeasurements', () => {
  /** A measurement that logs what was called on it. */
  const logging = (name: string, calls: string[], options: { measuresCleanup?: boolean; failsToStart?: boolean } = {}): Measurement => ({
    name,
    measuresCleanup: options.measuresCleanup ?? false,
    start: async () => {
      if (options.failsToStart) throw new Error(`${name} cannot start`);
      calls.push(`start ${name}`);
    },
    atPeak: async () => void calls.push(`peak ${name}`),
    stop: async () => void calls.push(`stop ${name}`),
    collect: (results) => {
      calls.push(`collect ${name}`);
      results.notMeasured.push(name);
    },
  });

  test('those that end with the run stop and collect before cleanup, the others after it, each group in order', async () => {
    const calls: string[] = [];
    const measurements = new RunMeasurements([logging('samples', calls, { measuresCleanup: true }), logging('profiles', calls), logging('milestones', calls)]);
    const results = emptyResults();
    await measurements.start(fakeRun());
    await measurements.atPeak();
    await measurements.finish(results, 'before-cleanup');
    calls.push('cleanup');
    await measurements.finish(results, 'after-cleanup');
    expect(calls).toEqual([
      'start samples',
      'start profiles',
      'start milestones',
      'peak samples',
      'peak profiles',
      'peak milestones',
      'stop profiles',
      'collect profiles',
      'stop milestones',
      'collect milestones',
      'cleanup',
      'stop samples',
      'collect samples',
    ]);
    expect(results.notMeasured).toEqual(['profiles', 'milestones', 'samples']);
  });

  test('when one fails to start, the run sees the error and those started before it are still stopped and collected', async () => {
    const calls: string[] = [];
    const measurements = new RunMeasurements([logging('samples', calls, { measuresCleanup: true }), logging('milestones', calls, { failsToStart: true }), logging('profiles', calls)]);
    await expect(measurements.start(fakeRun())).rejects.toThrow('milestones cannot start');
    await measurements.finish(emptyResults(), 'before-cleanup');
    await measurements.finish(emptyResults(), 'after-cleanup');
    expect(calls).toEqual(['start samples', 'stop samples', 'collect samples']);
  });
});

describe('measurements fed by the run', () => {
  test('config sizes carry the live route count when each arrived; none observed adds no configSizes', async () => {
    const controlPlane = optionsFor({ ...defaults, gateway: { ...defaults.gateway, mode: 'control-plane' } });
    const sizesOf = () => chooseMeasurements(controlPlane).find((m) => m.name === 'config sizes')!;
    const [observed, quiet] = [sizesOf(), sizesOf()];
    const run = fakeRun(7);
    await observed.start(run);
    await quiet.start(fakeRun());
    run.sizeListeners.forEach((listener) => listener({ t: 1, source: 'xds', bytes: 100 }));
    const [withSizes, without] = [emptyResults(), emptyResults()];
    for (const [measurement, results] of [[observed, withSizes], [quiet, without]] as const) {
      await measurement.stop();
      measurement.collect(results);
    }
    expect(withSizes.configSizes).toEqual([{ t: 1, source: 'xds', bytes: 100, liveObjects: 7 }]);
    expect(without).not.toHaveProperty('configSizes');
  });

  test('extension calls: only lines appended after start, tagged with the live count; a line that is not JSON is a failure', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-extension-calls-')), 'calls.jsonl');
    fs.writeFileSync(file, `${JSON.stringify({ hook: 'before' })}\n`);
    const follower = new ExtensionCallFollower({ file, intervalMs: 10_000 });
    await follower.start(fakeRun(5));
    fs.appendFileSync(file, `${JSON.stringify({ hook: 'PostTranslateModify' })}\nnot json\n`);
    await follower.stop();
    const results = emptyResults();
    follower.collect(results);
    expect(results.extensionCalls).toEqual([{ hook: 'PostTranslateModify', liveObjects: 5 }]);
    expect(results.failures).toEqual([{ phase: 'cleanup', object: 'extension-recorder', message: expect.stringContaining('is not JSON: not json') }]);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});
