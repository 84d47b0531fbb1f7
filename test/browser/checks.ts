// Runs in a Web Worker of a real browser page: conv and matmul forward and backward on both backends,
// against the f64 reference run in the same worker. Posts one message with the results.
import * as E from '../../engine/index';
import { setEngine } from '../../engine/engine';
import { createReferenceBackend } from '../reference/backend';
import { OP_CASES, makeInputs } from '../op-cases';
import { lossWeights, runCase } from '../run-case';
import { expectClose } from '../helpers';

const CASES = OP_CASES.filter((c) => /^(conv|matmul)/.test(c.name));

interface BackendReport { backend: string; description: string; passed: string[]; failed: { name: string; error: string }[] }

async function check(backend: 'webgpu' | 'wasm'): Promise<BackendReport> {
  const report: BackendReport = { backend, description: '', passed: [], failed: [] };
  const ref = E.useBackend(createReferenceBackend());
  const expected = [];
  for (const c of CASES) {
    const inputs = makeInputs(c, 3);
    const w = lossWeights((await runCase(c, inputs, null)).out.length, 5);
    expected.push({ c, inputs, w, result: await runCase(c, inputs, w) });
  }
  let engine: E.Engine;
  try {
    engine = await E.init({ backend, log: null });
  } catch (err) {
    report.failed.push({ name: 'init', error: (err as Error).message });
    return report;
  }
  report.description = engine.backend.description;
  for (const { c, inputs, w, result } of expected) {
    try {
      setEngine(engine);
      const got = await runCase(c, inputs, w);
      const rtol = c.rtol ?? 2e-5;
      expectClose(got.out, result.out, rtol, 1e-5, `${c.name} forward`);
      got.grads.forEach((g, k) => { if (g) expectClose(g, result.grads[k]!, rtol * 5, 1e-4, `${c.name} grad ${k}`); });
      report.passed.push(c.name);
    } catch (err) {
      report.failed.push({ name: c.name, error: (err as Error).message });
    }
  }
  engine.backend.destroy();
  setEngine(ref);
  return report;
}

(async () => {
  const reports: BackendReport[] = [];
  for (const b of ['webgpu', 'wasm'] as const) reports.push(await check(b));
  postMessage({
    reports, crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated ?? false,
    hasGPU: !!(globalThis.navigator as Navigator | undefined)?.gpu,
  });
})().catch((err) => postMessage({ error: String(err?.stack ?? err) }));
