// The engine's worker: owns the backend, the loaded model and the live training run, so that the page
// never blocks (and so that WASM threads may use Atomics.wait, which a window's main thread refuses).
import * as E from '../engine/index';
import { engine } from '../engine/engine';
import type { ProfileRecord } from '../engine/kernels';
import { renderFace, resizeImage, writeNormalized, SynthDataset, FfcSampler, SyncLoader, synthVerification, type RGBImage } from '../train/data/index';
import { resolveConfig } from '../train/config';
import { Trainer } from '../train/trainer';
import { scorePairs, metricsOf } from '../train/eval/verify';
import { cosine } from '../train/eval/metrics';
import { loadFaceModel, type FaceModel } from './model';
import type { BackendChoice, BackendInfo, FaceSpec, ModelInfo, ProfileReport, Reply, Request, TrainOptions, TrainProgress, TrainResult, VerifyResult } from './protocol';

const post = (m: Reply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let eng: E.Engine | null = null;
let info: BackendInfo | null = null;
let model: FaceModel | null = null;
let trained: { trainer: Trainer; threshold: number; accuracy: number; pairs: number } | null = null;
let stopRequested = false;
let profiling = false;
let lastRecords: ProfileRecord[] = [];

async function initBackend(choice: BackendChoice): Promise<BackendInfo> {
  const gpu = (self.navigator as Navigator & { gpu?: GPU }).gpu ?? null;
  const isolated = (self as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const notes: string[] = [];
  let reason = '';
  const log = (line: string) => { reason = line.replace(/^ffc-webgpu: /, ''); };
  try {
    if (choice === 'webgpu' && !gpu) throw new Error('this browser exposes no WebGPU (navigator.gpu is missing)');
    eng = await E.init({ backend: choice, gpu, profiling: true, log });
  } catch (err) {
    if (choice === 'wasm') throw err;
    notes.push(`WebGPU could not start (${(err as Error).message}); falling back to WebAssembly.`);
    eng = await E.init({ backend: 'wasm', gpu: null, log });
    reason = `using ${eng.backend.description} (fallback: WebGPU could not start)`;
  }
  const description = eng.backend.description;
  // the engine's line is 'using <description> (<why>)': keep the why
  if (reason.startsWith(`using ${description}`)) reason = reason.slice(`using ${description}`.length).trim().replace(/^\((.*)\)$/, '$1');
  const kind = description.startsWith('webgpu') ? 'webgpu' : 'wasm';
  if (kind === 'wasm' && choice !== 'wasm' && !notes.length) {
    notes.push(!gpu ? 'WebGPU is not available in this browser; running on WebAssembly.'
      : /software/.test(reason) ? `WebGPU runs on a software renderer here, slower than WebAssembly; choose “webgpu” to use it anyway.`
        : `WebGPU is not usable here (${reason}); running on WebAssembly.`);
  }
  if (kind === 'wasm' && !isolated) {
    notes.push('The page is not cross-origin isolated (no COOP/COEP headers), so SharedArrayBuffer is off and WebAssembly runs on one thread.');
  }
  return { description, kind, reason, notes, isolated, webgpuAvailable: !!gpu, cores: self.navigator.hardwareConcurrency ?? 1 };
}

function need<T>(x: T | null, what: string): T {
  if (x === null) throw new Error(what);
  return x;
}

function faceImage(f: FaceSpec, size: number): RGBImage {
  if (f.kind === 'synth') return renderFace(f.id, f.sample, size, { difficulty: f.difficulty });
  const img: RGBImage = { width: f.width, height: f.height, data: f.data };
  return img.width === size && img.height === size ? img : resizeImage(img, size, size);
}

/** Runs fn, profiled when the toggle is on; the records of the last profiled step are kept. */
async function maybeProfile<T>(label: string, fn: () => Promise<T>): Promise<T> {
  if (!profiling) return fn();
  const { result, records, kernels } = await E.profile(fn);
  lastRecords = records;
  const totalMs = kernels.reduce((s, k) => s + k.totalMs, 0);
  const report: ProfileReport = { label, kernels: kernels.slice(0, 40), dispatches: records.length, totalMs, table: E.formatProfileTable(kernels) };
  post({ type: 'profile', report });
  return result;
}

async function verify(a: FaceSpec, b: FaceSpec): Promise<VerifyResult> {
  const m = need(model, 'no model is loaded');
  const s = m.inputSize, px = s * s * 3;
  const images = new Float32Array(2 * px), flipped = new Float32Array(2 * px);
  [a, b].forEach((f, i) => {
    const img = faceImage(f, s);
    writeNormalized(img, images, i * px, false);
    writeNormalized(img, flipped, i * px, true);
  });
  const t0 = performance.now();
  const emb = await maybeProfile(`embedding 2 faces (${m.name})`, () => m.embed(images, 2, flipped));
  const embedMs = performance.now() - t0;
  const d = emb.length / 2;
  const score = cosine(emb.subarray(0, d), emb.subarray(d));
  return { score, threshold: m.threshold, same: m.threshold === null ? null : score >= m.threshold, embedMs, backend: eng!.backend.description };
}

function modelInfo(m: FaceModel, loadMs: number): ModelInfo {
  return { name: m.name, kind: m.kind, inputSize: m.inputSize, dim: m.dim, threshold: m.threshold, thresholdNote: m.thresholdNote, loadMs };
}

const yieldToEvents = () => new Promise<void>((r) => setTimeout(r, 0));

async function train(o: TrainOptions): Promise<TrainResult> {
  need(eng, 'the engine is not started');
  if (trained) { trained.trainer.dispose(); trained = null; }
  stopRequested = false;
  const cfg = resolveConfig(null, [
    ['data', `synth:ids=${o.identities},per=${o.perIdentity}`], ['out', 'browser'], ['steps', o.steps],
    ['head', 'ffc'], ['ratio', 0.25], ['margin', 'cos'], ['m', 0.2], ['s', 16], ['input', o.input], ['width', o.width],
    ['emb', o.emb], ['batch', o.batch], ['lr', o.lr], ['seed', o.seed], ['scheduleKind', 'cosine'], ['warmup', 0],
  ]);
  const ds = new SynthDataset(cfg.data, { size: cfg.input });
  const loader = new SyncLoader(ds, new FfcSampler(ds, { batchSize: cfg.batch, seed: cfg.seed }));
  post({ type: 'phase', text: `building MobileFaceNet (input ${cfg.input}, width ${cfg.width}) with an FFC head over ${ds.numIdentities} identities…` });
  const trainer = new Trainer(cfg, ds.numIdentities, o.steps);
  const t0 = performance.now();
  const losses: number[] = [];
  let step = 0;
  try {
    for (; step < o.steps && !stopRequested; step++) {
      const batch = loader.nextSync();
      const ts = performance.now();
      const r = await maybeProfile(`training step ${step + 1} (${batch.n} images)`, () => trainer.trainStep(batch));
      const now = performance.now();
      losses.push(r.loss);
      const p: TrainProgress = { step: r.step, total: o.steps, loss: r.loss, lr: r.lr, imagesPerSec: batch.n / ((now - ts) / 1000), elapsedMs: now - t0 };
      post({ type: 'progress', progress: p });
      await yieldToEvents(); // lets 'stop' and the profiler toggle in
    }
  } catch (err) {
    trainer.dispose();
    throw err;
  }
  const elapsedMs = performance.now() - t0;
  post({ type: 'phase', text: `evaluating on ${o.evalPairs} held-out synthetic pairs…` });
  const te = performance.now();
  const perFold = Math.max(2, Math.round(o.evalPairs / 4));
  const set = synthVerification({ folds: 2, perFold });
  const { scores } = await scorePairs(set, { inputSize: cfg.input, embed: (x, n, f) => trainer.embed(x, n, f) }, { flip: true, batch: 16 });
  const m = metricsOf(set, scores);
  trained = { trainer, threshold: m.threshold, accuracy: m.accuracy, pairs: set.count };
  return {
    steps: step, stopped: step < o.steps, firstLoss: losses[0] ?? NaN, lastLoss: losses[losses.length - 1] ?? NaN,
    accuracy: m.accuracy, threshold: m.threshold, auc: m.auc, pairs: set.count, evalMs: performance.now() - te, elapsedMs,
  };
}

function useTrained(): ModelInfo {
  const t = need(trained, 'train a model first');
  const tr = t.trainer;
  model?.dispose();
  model = {
    kind: 'mobilefacenet', name: `trained in this page (${tr.step} steps)`, inputSize: tr.cfg.input, dim: tr.cfg.emb,
    threshold: t.threshold, thresholdNote: `best on ${t.pairs} held-out synthetic pairs (accuracy ${(100 * t.accuracy).toFixed(1)}%)`,
    embed: (x, n, f) => tr.embed(x, n, f),
    dispose: () => { tr.dispose(); },
  };
  trained = null; // the model owns the trainer now
  return modelInfo(model, 0);
}

async function handle(req: Request): Promise<unknown> {
  switch (req.type) {
    case 'init':
      info = await initBackend(req.backend);
      return info;
    case 'load': {
      need(eng, 'the engine is not started');
      const t0 = performance.now();
      let m: FaceModel;
      try {
        m = loadFaceModel(req.files);
      } catch (err) {
        throw new Error(`Could not load the model ${req.label}: ${(err as Error).message}`);
      }
      model?.dispose();
      model = m;
      return modelInfo(m, performance.now() - t0);
    }
    case 'verify': return verify(req.a, req.b);
    case 'train': return train(req.options);
    case 'use-trained': return useTrained();
    case 'trace': return lastRecords.length ? E.toChromeTrace(lastRecords, `ffc-webgpu ${engine().backend.description}`) : null;
    default: throw new Error(`unknown request ${(req as { type: string }).type}`);
  }
}

let queue: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<{ id: number; req: Request }>) => {
  const { id, req } = e.data;
  // these act at once, even while a training run holds the queue
  if (req.type === 'stop') { stopRequested = true; post({ type: 'reply', id, ok: true, result: null }); return; }
  if (req.type === 'profiling') { profiling = req.on; post({ type: 'reply', id, ok: true, result: null }); return; }
  queue = queue.then(async () => {
    try {
      post({ type: 'reply', id, ok: true, result: await handle(req) });
    } catch (err) {
      const e = err as Error;
      post({ type: 'reply', id, ok: false, error: e?.message ?? String(err) });
    }
  });
};
self.addEventListener('unhandledrejection', (e) => {
  post({ type: 'phase', text: `error: ${(e as PromiseRejectionEvent).reason?.message ?? (e as PromiseRejectionEvent).reason}` });
});
