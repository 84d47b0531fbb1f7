// The browser bundle in real headless Chromium: conv + matmul forward and backward on WebGPU
// (SwiftShader) and on WASM (threads, in a Web Worker of a cross-origin-isolated page), checked
// against the f64 reference.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { common } from '../scripts/esbuild-options.mjs';
import { serveStatic } from './browser/serve';
import { chromiumAvailable, launchChromium } from './browser/chromium';

const out = path.resolve('test-artifacts/browser');
let server: Server | undefined, url = '', browser: Browser | undefined;

describe.skipIf(!chromiumAvailable() && !process.env.CI)('browser (headless Chromium)', () => {
  beforeAll(async () => {
    await mkdir(out, { recursive: true });
    await build({ ...common, entryPoints: ['test/browser/checks.ts'], outfile: path.join(out, 'checks.js'), platform: 'browser', external: ['node:*'] });
    await writeFile(path.join(out, 'index.html'), `<!doctype html><meta charset="utf-8"><title>ffc-webgpu checks</title>
<script type="module">
const w = new Worker('checks.js', { type: 'module' });
w.onmessage = (e) => { window.result = e.data; document.body.textContent = JSON.stringify(e.data); };
w.onerror = (e) => { window.result = { error: e.message }; };
</script>`);
    ({ url, server } = await serveStatic(out));
    browser = await launchChromium();
  });
  afterAll(async () => { await browser?.close(); server?.close(); });

  it('runs conv and matmul forward and backward on WebGPU and WASM, matching the f64 reference', async () => {
    const page = await browser!.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    await page.goto(url);
    await page.waitForFunction(() => (window as { result?: unknown }).result !== undefined, null, { timeout: 240_000 });
    const result = await page.evaluate(() => (window as unknown as { result: any }).result);
    expect(result.error, `worker failed: ${result.error}\n${logs.join('\n')}`).toBeUndefined();
    expect(result.crossOriginIsolated).toBe(true);
    expect(result.hasGPU).toBe(true);
    for (const r of result.reports) {
      expect(r.failed, `${r.backend}: ${JSON.stringify(r.failed)}`).toEqual([]);
      expect(r.passed.length).toBeGreaterThanOrEqual(12);
    }
    expect(result.reports.map((r: { description: string }) => r.description).join(' | ')).toMatch(/webgpu.*\| wasm/);
    await page.close();
  });
});
