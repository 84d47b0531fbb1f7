// The browser page (web/) in real headless Chromium: built by scripts/web-build.mjs, served with the
// COOP/COEP headers, driven like a user: verify sample faces with the bundled model, train a few steps
// live, toggle the profiler, load a broken model file. Once on WebGPU (SwiftShader) and once with
// WebGPU disabled (the WASM fallback). Screenshots of each state go to test-artifacts/web/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { serveStatic } from './browser/serve';
import { chromiumAvailable, launchChromium } from './browser/chromium';

const artifacts = path.resolve('test-artifacts/web');
const site = path.join(artifacts, 'site');
let server: Server | undefined, url = '';
let nodeImportsIn: (js: string) => string[];

interface PageState {
  ready: boolean; backend: { description: string; kind: string; reason: string; notes: string[]; isolated: boolean } | null;
  model: { name: string; threshold: number | null } | null;
  verify: { score: number; same: boolean | null; embedMs: number; backend: string } | null; verifyCount: number;
  train: { running: boolean; losses: number[]; result: { steps: number; accuracy: number; firstLoss: number; lastLoss: number } | null };
  profile: { kernels: unknown[]; dispatches: number } | null; errors: string[];
}
const stateOf = (page: Page) => page.evaluate(() => (window as unknown as { ffcState: PageState }).ffcState);

// tiny live-training settings: SwiftShader is slow
const TRAIN = 'steps=20&ids=16&per=8&input=32&width=0.25&batch=16&lr=0.1&eval=16';

async function verifyPair(page: Page, button: string): Promise<number> {
  const before = (await stateOf(page)).verifyCount;
  await page.click(button);
  await page.waitForFunction((n) => (window as unknown as { ffcState: PageState }).ffcState.verifyCount > n, before, { timeout: 60_000 });
  return (await stateOf(page)).verify!.score;
}

/** The whole user flow on one browser; returns what it saw. */
async function flow(browser: Browser, query: string, tag: string): Promise<PageState> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const logs: string[] = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`${url}?${query}&${TRAIN}`);
    await page.waitForFunction(() => {
      const s = (window as unknown as { ffcState?: PageState }).ffcState;
      return !!s && ((s.ready && s.verifyCount > 0) || s.errors.length > 0);
    }, null, { timeout: 90_000 });
    let s = await stateOf(page);
    expect(s.errors, logs.join('\n')).toEqual([]);
    expect(await page.textContent('#backend-status')).toContain(s.backend!.description);

    // 1. verify: held-out identities, same pairs score above different pairs
    // (deterministic pairs; the bundled model is ~83% accurate, so compare means over a few pairs)
    const same: number[] = [], diff: number[] = [];
    let shot = false;
    for (let k = 0; k < 3; k++) {
      same.push(await verifyPair(page, '#sample-same'));
      // the screenshot shows a same-person pair the model gets right (the last one otherwise)
      if (!shot && (await stateOf(page)).verify!.same) { await page.screenshot({ path: path.join(artifacts, `${tag}-1-verify.png`), fullPage: true }); shot = true; }
      diff.push(await verifyPair(page, '#sample-diff'));
    }
    const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(avg(same), `same ${same} vs different ${diff}`).toBeGreaterThan(avg(diff) + 0.1);
    await verifyPair(page, '#sample-same');
    s = await stateOf(page);
    expect(s.verify!.backend).toBe(s.backend!.description);
    expect(await page.isVisible('#verify-result')).toBe(true);
    expect(await page.textContent('#decision')).toMatch(/Same person|Different people/);
    expect(await page.textContent('#verify-timing')).toMatch(/took [\d.]+ ms on/);
    if (!shot) await page.screenshot({ path: path.join(artifacts, `${tag}-1-verify.png`), fullPage: true });

    // 2. live training: progress while it runs, loss drops, accuracy at the end
    await page.click('#train');
    await page.waitForFunction(() => (window as unknown as { ffcState: PageState }).ffcState.train.losses.length >= 2, null, { timeout: 90_000 });
    expect(await page.isEnabled('#stop')).toBe(true);
    expect(await page.evaluate(() => 1 + 1)).toBe(2); // the page answers while the worker trains
    await page.waitForFunction(() => (window as unknown as { ffcState: PageState }).ffcState.train.result !== null || (window as unknown as { ffcState: PageState }).ffcState.errors.length > 0, null, { timeout: 120_000 });
    s = await stateOf(page);
    expect(s.errors, logs.join('\n')).toEqual([]);
    const l = s.train.losses;
    expect(l.length).toBe(20);
    expect(l.every(Number.isFinite)).toBe(true);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    // FFC's loss is noisy step to step (the pool changes): compare the first and last five steps
    expect(mean(l.slice(-5)), `losses ${l}`).toBeLessThan(mean(l.slice(0, 5)));
    expect(s.train.result!.accuracy).toBeGreaterThan(0);
    expect(await page.textContent('#train-result')).toMatch(/accuracy [\d.]+%/);
    expect(await page.locator('#loss-chart polyline').count()).toBe(2);
    await page.screenshot({ path: path.join(artifacts, `${tag}-2-train.png`), fullPage: true });
    await page.click('#use-trained');
    await page.waitForFunction(() => /trained in this page/.test(document.getElementById('model-name')!.textContent ?? ''), null, { timeout: 30_000 });
    expect(Number.isFinite(await verifyPair(page, '#sample-diff'))).toBe(true);

    // 3. profiler: toggling it on profiles a verification; the table lists kernels
    await page.check('#profile-toggle');
    await page.waitForFunction(() => document.querySelectorAll('#profile-table tbody tr').length > 0, null, { timeout: 60_000 });
    s = await stateOf(page);
    expect(s.profile!.dispatches).toBeGreaterThan(10);
    expect(await page.textContent('#profile-table')).toMatch(/conv|matmul/i);
    await page.screenshot({ path: path.join(artifacts, `${tag}-3-profile.png`), fullPage: true });

    // 4. a model file that does not load: a readable message, and the page keeps working
    await page.setInputFiles('#model-file', { name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not a model') });
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('#error-text')).toMatch(/Could not load the model 'broken\.onnx'/);
    await page.screenshot({ path: path.join(artifacts, `${tag}-4-error.png`), fullPage: true });
    await page.click('#error-close');
    const again = await verifyPair(page, '#sample-same');
    expect(Number.isFinite(again)).toBe(true);
    return await stateOf(page);
  } finally {
    await page.close();
  }
}

describe.skipIf(!chromiumAvailable() && !process.env.CI)('web page (headless Chromium)', () => {
  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    const mod = await import('../scripts/web-build.mjs' as string) as { buildWeb: (o: object) => Promise<string>; nodeImportsIn: (js: string) => string[] };
    nodeImportsIn = mod.nodeImportsIn;
    await mod.buildWeb({ outdir: site, log: () => {} });
    ({ url, server } = await serveStatic(site));
  }, 180_000);
  afterAll(() => { server?.close(); });

  it('builds a bundle with no Node-only module', async () => {
    for (const f of ['main.js', 'worker.js']) {
      const js = await readFile(path.join(site, f), 'utf8');
      expect(nodeImportsIn(js), f).toEqual([]);
      expect(js).not.toMatch(/["'`]node:[\w/]+["'`]/);
    }
    expect(nodeImportsIn('import { readFileSync } from "node:fs"; await import(\'node:os\')')).toEqual(['node:fs', 'node:os']);
    const meta = JSON.parse(await readFile(path.join(site, 'assets/model.json'), 'utf8'));
    expect(typeof meta.threshold).toBe('number');
    expect((await readFile(path.join(site, 'assets', meta.file))).length).toBeLessThan(1.5e6);
  });

  it('verifies, trains and profiles on WebGPU (SwiftShader)', async () => {
    const browser = await launchChromium({ webgpu: true });
    try {
      const s = await flow(browser, 'backend=webgpu', 'webgpu');
      expect(s.backend!.kind).toBe('webgpu');
    } finally {
      await browser.close();
    }
  }, 240_000);

  it('falls back to WASM with a note when WebGPU is disabled, and does the same there', async () => {
    const browser = await launchChromium({ webgpu: false });
    try {
      const s = await flow(browser, 'backend=webgpu', 'wasm');
      expect(s.backend!.kind).toBe('wasm');
      expect(s.backend!.isolated).toBe(true);
      expect(s.backend!.notes.join(' ')).toMatch(/WebGPU could not start.*falling back to WebAssembly/);
      expect(s.backend!.description).toMatch(/threads/);
      expect(s.backend!.reason).toMatch(/fallback/);
    } finally {
      await browser.close();
    }
  }, 240_000);
});
