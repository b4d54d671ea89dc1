import { ProcessSampler, parseCpuMillicores, parseMemoryBytes } from '../../src/bench/samplers';

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
    const busyUntil = Date.now() + 300;
    while (Date.now() < busyUntil); // burn CPU so the delta is visible
    const [second] = await sampler.read();
    expect(second.cpuMillicores).toBeGreaterThan(200);
  });

  test('a process that is gone gives no reading (not zeros)', async () => {
    expect(await new ProcessSampler([{ component: 'etcd', pid: 2 ** 22 + 12345 }]).read()).toEqual([]);
  });
});
