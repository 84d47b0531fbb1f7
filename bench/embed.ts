// Face-embedding benchmarks against onnxruntime-node (CPU), measured in the same run:
//  - benchEmbed: inference images/s at batch 1 and 64 for ours-wasm, ours-webgpu and onnxruntime;
//  - lfwCheck: the full LFW View-2 evaluation (6000 pairs, 10 folds, flip-fused embeddings) of the
//    public MobileFaceNet ONNX model with ours (WASM) and with onnxruntime on the same crops, plus a
//    per-image comparison of the embeddings. WebGPU on a software adapter (lavapipe) is ~100× slower
//    than WASM, so there it runs on the first fold's images only (and is compared with onnxruntime's).
// onnxruntime-node is a dev dependency loaded at run time (keep it external when bundling).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as E from '../engine/index';
import { setEngine, type Engine } from '../engine/engine';
import { Reporter, timeIt } from './harness';
import { loadOnnx, type OnnxRunner } from '../model/onnx/runtime';
import { exportOnnx } from '../model/onnx/mobilefacenet';
import { MobileFaceNet } from '../model/mobilefacenet';
import { decodeImageAt, writeNormalized, type RGBImage } from '../train/data/image';
import { openVerification } from '../train/data/node-verification';
import { cosine, verificationMetrics, type VerificationMetrics } from '../train/eval/metrics';

type Ort = typeof import('onnxruntime-node');
const ORT_MODULE = 'onnxruntime-node';

/** onnxruntime-node, or null when it is not installed. */
export async function loadOrt(): Promise<Ort | null> {
  try { return (await import(/* @vite-ignore */ ORT_MODULE)) as Ort; } catch { return null; }
}

const SHARED = resolve('..', 'shared', 'data');
export const PUBLIC_MODEL = resolve(SHARED, 'models', 'mobilefacenet-foamliu.onnx');
export const LFW_PAIRS = resolve(SHARED, 'lfw', 'lists', 'pairs.txt');
const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software/i;

/** NHWC → NCHW on the host (onnxruntime takes the model's NCHW input). */
export function toNchw(x: Float32Array, n: number, s: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < s; y++) for (let i = 0; i < s; i++) for (let c = 0; c < 3; c++) {
    out[((b * 3 + c) * s + y) * s + i] = x[((b * s + y) * s + i) * 3 + c];
  }
  return out;
}

/** The model to benchmark: the public ONNX file when present, else an exported random MobileFaceNet. */
async function benchModelBytes(path?: string): Promise<{ bytes: Uint8Array; name: string }> {
  const p = path ?? PUBLIC_MODEL;
  if (existsSync(p)) return { bytes: readFileSync(p), name: p };
  const e = await E.init({ backend: 'wasm', log: null });
  const net = new MobileFaceNet({ activation: 'prelu' });
  const bytes = await exportOnnx(net);
  net.dispose(); e.backend.destroy();
  return { bytes, name: 'random MobileFaceNet (exported; the public model is absent)' };
}

interface Runner { name: string; run(x: Float32Array, n: number): Promise<Float32Array>; close(): void; software?: boolean }

async function ourRunner(name: string, engine: Engine, bytes: Uint8Array, source: string): Promise<Runner> {
  setEngine(engine);
  const r: OnnxRunner = loadOnnx(bytes, { source });
  const s = (r.inputs[0].dims?.[2] as number) || 112;
  return {
    name, software: SOFTWARE.test(engine.backend.description),
    async run(x, n) {
      setEngine(engine);
      const t = E.tensor(x, [n, s, s, 3]);
      const y = r.runNhwc(t);
      const d = await y.data();
      t.dispose(); y.dispose();
      return d instanceof Float32Array ? d : Float32Array.from(d);
    },
    close() { setEngine(engine); r.dispose(); engine.backend.destroy(); },
  };
}

async function ortRunner(ort: Ort, bytes: Uint8Array): Promise<Runner> {
  const sess = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  const input = sess.inputNames[0], output = sess.outputNames[0];
  return {
    name: 'onnxruntime-cpu',
    async run(x, n) {
      const s = Math.round(Math.sqrt(x.length / n / 3));
      const r = await sess.run({ [input]: new ort.Tensor('float32', toNchw(x, n, s), [n, 3, s, s]) });
      return r[output].data as Float32Array;
    },
    close() { void sess.release(); },
  };
}

// Dawn's GPU object must stay referenced while its device is used: when it is garbage-collected the
// process dies (futex error / segfault). Held here for the life of the process.
let heldGpu: GPU | null = null;

async function gpuOrNull(): Promise<GPU | null> {
  try {
    const { nodeGPU } = await import('../engine/webgpu/node');
    const g = await nodeGPU();
    heldGpu = (await g.requestAdapter()) ? g : null;
    return heldGpu;
  } catch { return null; }
}

async function runners(bytes: Uint8Array, source: string, opts: { gpu?: GPU | null; webgpu?: boolean; ort?: boolean }): Promise<Runner[]> {
  // onnxruntime first: loading its native library after Dawn has started has crashed the process here
  let ortR: Runner | null = null;
  if (opts.ort !== false) {
    const ort = await loadOrt();
    if (ort) ortR = await ortRunner(ort, bytes);
    else console.warn('onnxruntime-node is not installed: npm install --save-dev onnxruntime-node --ignore-scripts');
  }
  const out: Runner[] = [await ourRunner('ours-wasm', await E.init({ backend: 'wasm', log: null }), bytes, source)];
  if (opts.webgpu !== false) {
    const gpu = opts.gpu === undefined ? await gpuOrNull() : opts.gpu;
    if (gpu) {
      heldGpu ??= gpu;
      try { out.push(await ourRunner('ours-webgpu', await E.init({ backend: 'webgpu', gpu, log: null }), bytes, source)); }
      catch (err) { console.warn(`ours-webgpu: could not start (${(err as Error).message})`); }
    }
  }
  if (ortR) out.push(ortR);
  return out;
}

// ---- images/s ---------------------------------------------------------------------------------------

/** Inference images/s at batch 1 and 64 (ours-wasm, ours-webgpu, onnxruntime CPU) into `report`. */
export async function benchEmbed(report: Reporter, opts: { quick?: boolean; gpu?: GPU | null; model?: string; log?: (s: string) => void } = {}): Promise<void> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const { bytes, name } = await benchModelBytes(opts.model);
  log(`embed: ${name}`);
  const rs = await runners(bytes, name, { gpu: opts.gpu });
  const timing = opts.quick ? { warmup: 1, minMs: 300, maxIters: 5 } : { warmup: 2, minMs: 2000, maxIters: 30 };
  const rng = new E.Rng(7);
  for (const b of opts.quick ? [1, 16] : [1, 64]) {
    const x = Float32Array.from({ length: b * 112 * 112 * 3 }, () => rng.next() * 2 - 1);
    for (const r of rs) {
      let ms: number;
      if (r.software && b > 1) {
        // a software adapter: one timed run after one warm-up (each takes seconds)
        await r.run(x, b);
        const t0 = performance.now(); await r.run(x, b); ms = performance.now() - t0;
      } else {
        ms = await timeIt(async () => { await r.run(x, b); }, timing);
      }
      report.add({ bench: 'embed', case: `b${b}`, impl: r.name, ms, imgPerSec: (1000 * b) / ms, note: `${(b * 1000 / ms).toFixed(1)} img/s${r.software ? ', software adapter' : ''}` });
    }
  }
  for (const r of rs) r.close();
}

// ---- LFW --------------------------------------------------------------------------------------------

export interface LfwCheckOptions {
  model?: string;
  pairs?: string;
  /** Images root (default: ../images beside the pairs file's folder). */
  images?: string;
  /** Pairs (from the start) that ours-webgpu embeds; 0 to skip WebGPU. Default 600 (fold 1). */
  webgpuPairs?: number;
  batch?: number;
  log?: (s: string) => void;
}

export interface LfwRow {
  impl: string; pairs: number; images: number;
  metrics: VerificationMetrics | null; msPerImage: number;
  /** Smallest cosine between this implementation's and onnxruntime's flip-fused embedding of an image. */
  minCosVsOrt: number | null; meanCosVsOrt: number | null;
  /** Cosine score of each pair (in pairs.txt order). */
  scores: Float64Array;
}

function l2(v: Float32Array): Float32Array {
  let s = 0;
  for (const a of v) s += a * a;
  const k = 1 / Math.sqrt(s || 1);
  return v.map((a) => a * k);
}

/**
 * The real-world check: LFW pairs.txt with the public MobileFaceNet ONNX model, ours vs onnxruntime
 * on the same crops (each distinct image embedded once, flip-fused, L2-normalised, cosine scores).
 */
export async function lfwCheck(opts: LfwCheckOptions = {}): Promise<LfwRow[]> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const modelPath = opts.model ?? PUBLIC_MODEL, pairsPath = opts.pairs ?? LFW_PAIRS;
  for (const p of [modelPath, pairsPath]) if (!existsSync(p)) throw new Error(`lfw check: ${p} is missing (the shared data lives at ../shared/data)`);
  const set = openVerification(pairsPath, { imagesRoot: opts.images });
  const batch = opts.batch ?? 64;
  const bytes = readFileSync(modelPath);
  // distinct images in pair order (so the first fold's images come first)
  const order: string[] = [], firstPair = new Map<string, number>();
  for (let i = 0; i < set.count; i++) for (const side of [0, 1] as const) {
    const k = set.imageName(i, side);
    if (!firstPair.has(k)) { firstPair.set(k, i); order.push(k); }
  }
  log(`LFW: ${set.count} pairs, ${order.length} distinct images; decoding…`);
  const t0 = performance.now();
  const images = new Map<string, RGBImage>();
  for (const k of order) images.set(k, decodeImageAt(readFileSync(k), 112, k));
  log(`decoded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const webgpuPairs = opts.webgpuPairs ?? 600;
  const rs = await runners(bytes, modelPath, { webgpu: webgpuPairs > 0 });
  const embs = new Map<string, Map<string, Float32Array>>();
  const rows: LfwRow[] = [];
  const px = 112 * 112 * 3;
  for (const r of rs) {
    const limit = r.name === 'ours-webgpu' ? webgpuPairs : set.count;
    const keys = order.filter((k) => firstPair.get(k)! < limit);
    const out = new Map<string, Float32Array>();
    let ms = 0;
    for (let s = 0; s < keys.length; s += batch) {
      const chunk = keys.slice(s, s + batch);
      const x = new Float32Array(chunk.length * px), xf = new Float32Array(chunk.length * px);
      chunk.forEach((k, j) => { writeNormalized(images.get(k)!, x, j * px, false); writeNormalized(images.get(k)!, xf, j * px, true); });
      const t = performance.now();
      const a = await r.run(x, chunk.length), b = await r.run(xf, chunk.length);
      ms += performance.now() - t;
      const d = a.length / chunk.length;
      chunk.forEach((k, j) => out.set(k, l2(a.subarray(j * d, (j + 1) * d).map((v, i) => v + b[j * d + i]))));
      if ((s / batch) % 20 === 0) log(`  ${r.name}: ${Math.min(keys.length, s + batch)}/${keys.length} images, ${(ms / Math.min(keys.length, s + batch)).toFixed(1)} ms/img`);
    }
    embs.set(r.name, out);
    const scores = Float64Array.from({ length: limit }, (_, i) => cosine(out.get(set.imageName(i, 0))!, out.get(set.imageName(i, 1))!));
    const same = set.same.slice(0, limit);
    const folds = Math.max(1, Math.round((10 * limit) / set.count));
    let metrics: VerificationMetrics | null = null;
    try { metrics = verificationMetrics(scores, same, folds); } catch { /* one class only */ }
    rows.push({ impl: r.name, pairs: limit, images: keys.length, metrics, msPerImage: ms / keys.length, minCosVsOrt: null, meanCosVsOrt: null, scores });
    r.close();
  }
  const ref = embs.get('onnxruntime-cpu');
  if (ref) {
    for (const row of rows) {
      if (row.impl === 'onnxruntime-cpu') continue;
      let min = 1, sum = 0, n = 0;
      for (const [k, v] of embs.get(row.impl)!) { const c = cosine(v, ref.get(k)!); min = Math.min(min, c); sum += c; n++; }
      row.minCosVsOrt = min; row.meanCosVsOrt = sum / n;
    }
  }
  // the first fold's figures for every implementation, so WebGPU has a like-for-like row
  if (webgpuPairs > 0 && rows.some((r) => r.impl === 'ours-webgpu')) {
    for (const name of rs.map((r) => r.name).filter((n) => n !== 'ours-webgpu')) {
      const e = embs.get(name)!;
      const scores = Float64Array.from({ length: webgpuPairs }, (_, i) => cosine(e.get(set.imageName(i, 0))!, e.get(set.imageName(i, 1))!));
      let metrics: VerificationMetrics | null = null;
      try { metrics = verificationMetrics(scores, set.same.slice(0, webgpuPairs), Math.max(1, Math.round((10 * webgpuPairs) / set.count))); } catch { /* */ }
      const base = rows.find((r) => r.impl === name)!;
      rows.push({ ...base, impl: `${name} (first ${webgpuPairs})`, pairs: webgpuPairs, images: order.filter((k) => firstPair.get(k)! < webgpuPairs).length, metrics, scores });
    }
  }
  log(formatLfwTable(rows));
  return rows;
}

export function formatLfwTable(rows: LfwRow[]): string {
  const head = '| implementation | pairs | images | accuracy | AUC | ms / image (flip: 2 passes) | cos vs onnxruntime (min / mean) |';
  const lines = [head, '|---|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    const m = r.metrics;
    const acc = m ? `${(100 * m.accuracy).toFixed(2)} % ± ${(100 * m.accuracyStd).toFixed(2)}${m.folds !== 10 ? ` (${m.folds} fold${m.folds > 1 ? 's' : ''})` : ''}` : 'n/a';
    const cos = r.minCosVsOrt === null ? '—' : `${r.minCosVsOrt.toFixed(6)} / ${r.meanCosVsOrt!.toFixed(6)}`;
    lines.push(`| ${r.impl} | ${r.pairs} | ${r.images} | ${acc} | ${m ? m.auc.toFixed(4) : 'n/a'} | ${r.msPerImage.toFixed(1)} | ${cos} |`);
  }
  return lines.join('\n');
}
