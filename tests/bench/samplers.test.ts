import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { ProcessSampler, SampleContext, SampleRecorder } from '../../src/bench/samplers';
import { parseCpuMillicores, parseMemoryBytes } from '../../src/units/units';

describe('quantity parsing for the metrics API', () => {
  test.each([
    ['250m', 250],
    ['1', 1000],
    ['1500000n', 1.5],
    ['2500u', 2.5],
  ])('CPU %s is %d millicores', (quantity, millicores) => expect(parseCpuMillicores(quantity)).toBeCloseTo(millicores));

  test.each([
    ['1024', 1024],
    ['64Ki', 65536],
    ['300Mi', 300 * 2 ** 20],
    ['1G', 1e9],
  ])('memory %s is %d bytes', (quantity, bytes) => expect(parseMemoryBytes(quantity)).toBe(bytes));

  test('garbage is NaN, not 0', () => {
    expect(parseCpuMillicores('lots')).toBeNaN();
    expect(parseMemoryBytes('12 MB')).toBeNaN();
  });
});

describe('ProcessSampler', () => {
  test('reads this process: memory at once, CPU from the second reading on', async () => {
    const sampler = new ProcessSampler([{ component: 'runner', pid: process.pid }]);
    const [first] = await sampler.read();
    expect(first.memoryBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(first.cpuMillicores).toBeUndefined();
    // Burn 300 ms of CPU (measured by Node itself, so a loaded machine only stretches the wall time).
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const cpuMsSince = () => {
      const used = process.cpuUsage(cpuBefore);
      return (used.user + used.system) / 1000;
    };
    while (cpuMsSince() < 300);
    const [second] = await sampler.read();
    const expectedMillicores = (cpuMsSince() / (performance.now() - wallBefore)) * 1000;
    // /proc counts in 10 ms ticks: allow that, and the moments before and after the measured stretch.
    expect(second.cpuMillicores).toBeGreaterThan(expectedMillicores * 0.6);
    expect(second.cpuMillicores).toBeLessThan(expectedMillicores * 1.4 + 100);
  });

  test('a process that is gone gives no reading (not zeros)', async () => {
    expect(await new ProcessSampler([{ component: 'etcd', pid: 2 ** 22 + 12345 }]).read()).toEqual([]);
  });
});

describe('ProcessSampler and exited processes', () => {
  test('a process that exited but is not reaped yet (a zombie, as a stopping extproc is for a moment) gives no reading', async () => {
    // The shell forks `true`, then becomes `sleep`, which never reaps it: a zombie for as long as sleep runs.
    const parent = spawn('sh', ['-c', 'true & exec sleep 5'], { stdio: 'ignore' });
    try {
      let zombie: number | undefined;
      for (let i = 0; i < 50 && zombie === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const child = Number(fs.readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim().split(' ')[0]);
        if (child && fs.readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) zombie = child;
      }
      expect(zombie).toBeDefined();
      expect(await new ProcessSampler([{ component: 'ai-gateway-extproc', pid: zombie! }]).read()).toEqual([]);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('SampleRecorder', () => {
  test('tags every sample with the context at the time: phase, live routes, and the step or cycle when there is one', async () => {
    let context: SampleContext = { phase: 'provision', liveObjects: 3, step: 1 };
    const recorder = new SampleRecorder([new ProcessSampler([{ component: 'runner', pid: process.pid }])], 20, () => context);
    recorder.start();
    const waitForSamples = async (count: number) => {
      while (recorder.samples.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    await waitForSamples(2);
    context = { phase: 'churn', liveObjects: 2, cycle: 2 };
    const before = recorder.samples.length;
    await waitForSamples(before + 2);
    await recorder.stop();
    const first = recorder.samples[0];
    expect(first).toMatchObject({ component: 'runner', phase: 'provision', liveObjects: 3, step: 1 });
    expect(first).not.toHaveProperty('cycle');
    const last = recorder.samples[recorder.samples.length - 1];
    expect(last).toMatchObject({ component: 'runner', phase: 'churn', liveObjects: 2, cycle: 2 });
    expect(last).not.toHaveProperty('step');
    expect(last.memoryBytes).toBeGreaterThan(0);
  });
});
