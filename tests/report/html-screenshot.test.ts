/**
 * Opens a rendered report.html in headless Debian chromium (playwright-core) and checks the plots are really
 * drawn: every figure's SVG is visible with a non-zero size, nothing is fetched from anywhere, and a full-page PNG
 * screenshot is non-trivial. Set AIGW_SCALE_KEEP_SCREENSHOT=1 to keep the PNG (its path is printed).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BrowserContext, chromium } from 'playwright-core';
import { writeReports } from '../../src/report';
import { makeResults } from './make-results';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

jest.setTimeout(90_000);

test('report.html renders its plots in chromium (screenshot)', async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: this test needs Debian's chromium. Install it with:\n  sudo apt-get update && sudo apt-get install -y chromium`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-report-screenshot-'));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-scale-chromium-profile-'));
  const keep = process.env.AIGW_SCALE_KEEP_SCREENSHOT === '1';
  // one component never sampled, so the "not measured" panels are on the page too
  const { results } = makeResults({ routes: 400, timedOut: 3, failedCreates: 2, seed: 21, components: ['envoy-gateway', 'ai-gateway-controller'] });
  let context: BrowserContext | undefined;
  try {
    const { html } = await writeReports(results, dir);
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1000, height: 900 } });
    const page = context.pages()[0] ?? (await context.newPage());
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`file://${html}`, { waitUntil: 'load' });

    const figures = await page.locator('figure.plot').evaluateAll((nodes) => nodes.map((n) => n.id));
    expect(figures).toEqual([
      'plot-ttfs',
      'plot-cpu-envoy-gateway',
      'plot-cpu-ai-gateway-controller',
      'plot-memory-envoy-gateway',
      'plot-memory-ai-gateway-controller',
      'plot-cpu-routes-envoy-gateway',
      'plot-cpu-routes-ai-gateway-controller',
      'plot-memory-routes-envoy-gateway',
      'plot-memory-routes-ai-gateway-controller',
    ]);
    for (const id of figures) {
      const svg = page.locator(`#${id} > svg`);
      await expect(svg.isVisible()).resolves.toBe(true);
      const box = await svg.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.width).toBeGreaterThan(600);
      expect(box!.height).toBeGreaterThan(150);
      // drawn marks inside, not an empty frame
      expect(await svg.locator('path, line, text').count()).toBeGreaterThan(20);
    }
    for (const id of ['plot-cpu-envoy-proxy', 'plot-memory-envoy-proxy']) {
      await expect(page.locator(`#${id}`).innerText()).resolves.toMatch(/^Envoy proxy: (CPU|memory) not measured \(never sampled\)$/);
    }
    // the scatter has one symbol per ready or timed-out route
    expect(await page.locator('#plot-ttfs svg path[aria-roledescription="point"]').count()).toBe(399 - 2); // 399 timed routes, 2 failed creates

    const png = path.join(dir, 'report.png');
    await page.screenshot({ path: png, fullPage: true });
    const bytes = fs.readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
    expect(width).toBe(1000);
    expect(height).toBeGreaterThan(2500);
    expect(bytes.length).toBeGreaterThan(100_000);
    expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
    if (keep) process.stdout.write(`screenshot: ${png}\n`);
  } finally {
    await context?.close();
    fs.rmSync(profile, { recursive: true, force: true });
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
});
