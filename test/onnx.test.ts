// ONNX import/export: a hand-built graph covering every supported op runs the same on both backends
// and in onnxruntime-node; MobileFaceNet export → onnxruntime / re-import round trips; the public
// MobileFaceNet on a few LFW crops vs onnxruntime (when ../shared/data is present); bad input errors.
import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as E from '../engine/index';
import { setEngine, type Engine } from '../engine/engine';
import { BACKENDS, startEngine } from './backends';
import { expectClose } from './helpers';
import { loadOnnx } from '../model/onnx/runtime';
import { encodeModel, floatTensor, int64Tensor, DataType, type NodeSpec, type OnnxTensor } from '../model/onnx/schema';
import { exportOnnx, loadOnnxIntoMobileFaceNet } from '../model/onnx/mobilefacenet';
import { MobileFaceNet } from '../model/mobilefacenet';
import { decodeImageAt, writeNormalized } from '../train/data/image';
import { embedCommand, encodeNpy, exportCommand } from '../train/commands/onnx';
import { encodePng } from '../train/data/image';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coverageModel, rngValues } from './fixtures/onnx/coverage';

type Ort = typeof import('onnxruntime-node');
let ort: Ort | null = null;
beforeAll(async () => {
  try { ort = await import('onnxruntime-node'); } catch { console.warn('skipping onnxruntime comparisons: onnxruntime-node is not installed (npm install --save-dev onnxruntime-node --ignore-scripts)'); }
});

const SHARED = resolve('..', 'shared', 'data');
const PUBLIC_MODEL = resolve(SHARED, 'models', 'mobilefacenet-foamliu.onnx');
const haveShared = existsSync(PUBLIC_MODEL) && existsSync(resolve(SHARED, 'lfw', 'images'));
if (!haveShared) console.warn(`skipping the public-model tests: ${SHARED} is absent (the shared test data lives beside the project root)`);

function toNchw(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let i = 0; i < w; i++) for (let k = 0; k < c; k++) {
    out[((b * c + k) * h + y) * w + i] = x[((b * h + y) * w + i) * c + k];
  }
  return out;
}

async function ortRun(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Float32Array> {
  const sess = await ort!.InferenceSession.create(bytes);
  const r = await sess.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort!.Tensor('float32', v.data, v.dims)])));
  const out = r[sess.outputNames[0]].data as Float32Array;
  await sess.release();
  return out;
}

const l2rows = (v: ArrayLike<number>, d: number) => {
  const out = new Float32Array(v.length);
  for (let r = 0; r < v.length / d; r++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += v[r * d + i] ** 2;
    for (let i = 0; i < d; i++) out[r * d + i] = v[r * d + i] / Math.sqrt(s);
  }
  return out;
};
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };

describe.each(BACKENDS)('ONNX on %s', (backend) => {
  let eng: Engine | null = null;
  beforeAll(async () => { eng = await startEngine(backend); });
  const on = () => { if (!eng) return false; setEngine(eng); return true; };

  it('runs a graph covering every supported op like onnxruntime, from NCHW and from NHWC input', async () => {
    if (!on()) return;
    const bytes = coverageModel();
    const n = 2, xs = rngValues(n * 8 * 8 * 4, 1);
    const nchw = toNchw(xs, n, 8, 8, 4);
    const live = E.engine().liveTensors;
    const r = loadOnnx(bytes, { source: 'coverage.onnx' });
    const xc = E.tensor(nchw, [n, 4, 8, 8]);
    const a = r.run(xc).y;
    const xh = E.tensor(xs, [n, 8, 8, 4]);
    const b = r.runNhwc(xh);
    expect(a.shape).toEqual([n, 10]);
    const av = await a.data(), bv = await b.data();
    expectClose(bv, av, 1e-5, 1e-5, 'NHWC vs NCHW input');
    if (ort) expectClose(av, await ortRun(bytes, { x: { data: nchw, dims: [n, 4, 8, 8] } }), 1e-4, 1e-4, `${backend} vs onnxruntime`);
    a.dispose(); b.dispose(); xh.dispose(); xc.dispose();
    r.dispose();
    expect(E.engine().liveTensors).toBe(live); // intermediates freed by the run, weights and cached constants by dispose()
  });

  it('exports a MobileFaceNet that onnxruntime runs like the engine, and loads it back for fine-tuning', async () => {
    if (!on()) return;
    for (const activation of ['prelu', 'relu6'] as const) {
      const net = new MobileFaceNet({ inputSize: 32, width: 0.25, embedding: 32, activation, seed: 3 });
      // non-trivial BN statistics and slopes
      const st = await net.saveState();
      const rng = new E.Rng(4);
      for (const [k, v] of st) {
        if (k.endsWith('running_var')) v.data.forEach((_, i) => { v.data[i] = 0.5 + rng.next(); });
        else if (!k.endsWith('conv.weight')) v.data.forEach((_, i) => { v.data[i] = (k.endsWith('act.weight') ? 0.25 : k.endsWith('bn.weight') ? 1 : 0) + 0.2 * rng.normal(); });
      }
      net.loadState(st); net.eval();
      const n = 2, xs = rngValues(n * 32 * 32 * 3, 5);
      const x = E.tensor(xs, [n, 32, 32, 3]);
      const ours = E.noGrad(() => net.forward(x));
      const ov = l2rows(await ours.data(), 32);
      for (const foldBatchNorm of [true, false]) {
        const bytes = await exportOnnx(net, { foldBatchNorm });
        if (ort) {
          const ref = await ortRun(bytes, { input: { data: toNchw(xs, n, 32, 32, 3), dims: [n, 3, 32, 32] } });
          expect(maxAbsDiff(ov, l2rows(ref, 32)), `onnxruntime ${activation} fold=${foldBatchNorm}`).toBeLessThanOrEqual(1e-4);
        }
        const r = loadOnnx(bytes);
        const y = r.runNhwc(x);
        expect(maxAbsDiff(ov, l2rows(await y.data(), 32)), `importer ${activation}`).toBeLessThanOrEqual(1e-4);
        y.dispose(); r.dispose();
        const back = loadOnnxIntoMobileFaceNet(bytes, { source: 'exported.onnx' });
        expect(back.options).toEqual(net.options);
        const z = E.noGrad(() => back.forward(x));
        expect(maxAbsDiff(ov, l2rows(await z.data(), 32)), `re-imported ${activation}`).toBeLessThanOrEqual(1e-4);
        z.dispose(); back.dispose();
      }
      ours.dispose(); x.dispose(); net.dispose();
    }
  });

  it.skipIf(!haveShared)('embeds LFW crops with the public MobileFaceNet like onnxruntime', async () => {
    if (!on()) return;
    const files = ['Abel_Pacheco/Abel_Pacheco_0001.jpg', 'Abel_Pacheco/Abel_Pacheco_0004.jpg', 'Akhmed_Zakayev/Akhmed_Zakayev_0001.jpg', 'Aaron_Peirsol/Aaron_Peirsol_0001.jpg']
      .map((f) => resolve(SHARED, 'lfw', 'images', f));
    const px = 112 * 112 * 3, n = files.length;
    const xs = new Float32Array(n * px);
    files.forEach((f, j) => writeNormalized(decodeImageAt(readFileSync(f), 112, f), xs, j * px, false));
    const bytes = readFileSync(PUBLIC_MODEL);
    const r = loadOnnx(bytes, { source: PUBLIC_MODEL });
    const y = r.runNhwc(E.tensor(xs, [n, 112, 112, 3]));
    expect(y.shape).toEqual([n, 128]);
    const ov = l2rows(await y.data(), 128);
    y.dispose(); r.dispose();
    if (!ort) return;
    const rv = l2rows(await ortRun(bytes, { input: { data: toNchw(xs, n, 112, 112, 3), dims: [n, 3, 112, 112] } }), 128);
    expect(maxAbsDiff(ov, rv)).toBeLessThanOrEqual(1e-4);
    for (let j = 0; j < n; j++) {
      let c = 0;
      for (let i = 0; i < 128; i++) c += ov[j * 128 + i] * rv[j * 128 + i];
      expect(c).toBeGreaterThanOrEqual(0.9999);
    }
  });
});

describe('ONNX bad input', () => {
  let eng: Engine | null = null;
  beforeAll(async () => { eng = await startEngine('wasm'); });

  it('names the file for truncated and non-ONNX bytes', () => {
    setEngine(eng!);
    const bytes = coverageModel();
    expect(() => loadOnnx(bytes.subarray(0, Math.floor(bytes.length / 2)), { source: 'half.onnx' })).toThrow(/half\.onnx: not a valid ONNX model.*truncated/);
    expect(() => loadOnnx(new TextEncoder().encode('hello, this is not a model at all'), { source: 'hello.txt' })).toThrow(/hello\.txt: not (a valid|an) ONNX model/);
    expect(() => loadOnnx(new Uint8Array(0), { source: 'empty.onnx' })).toThrow(/empty\.onnx: not an ONNX model/);
  });

  it('rejects an opset that is too new', () => {
    setEngine(eng!);
    const bytes = encodeModel({ opset: 99, producer: 't', graphName: 'g', nodes: [{ op: 'Relu', name: 'r', inputs: ['x'], outputs: ['y'] }], initializers: [], inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y', dims: [1, 4] }] });
    expect(() => loadOnnx(bytes, { source: 'new.onnx' })).toThrow(/new\.onnx: opset 99 is newer than this importer supports/);
  });

  it('lists every unsupported op in one error', () => {
    setEngine(eng!);
    const bytes = encodeModel({
      opset: 13, producer: 't', graphName: 'g', initializers: [],
      nodes: [
        { op: 'Relu', name: 'ok', inputs: ['x'], outputs: ['a'] },
        { op: 'Softmax', name: 'soft', inputs: ['a'], outputs: ['b'] },
        { op: 'Erf', name: 'erf1', inputs: ['b'], outputs: ['c'] },
        { op: 'Erf', name: 'erf2', inputs: ['c'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y', dims: [1, 4] }],
    });
    expect(() => loadOnnx(bytes, { source: 'ops.onnx' })).toThrow(/ops\.onnx: unsupported ops Softmax, Erf in 3 nodes: Softmax 'soft', Erf 'erf1', Erf 'erf2'/);
  });

  it('names a tensor whose external data file is missing, and reads it when present', async () => {
    setEngine(eng!);
    const w = new Float32Array([1, -2, 3, -4]);
    const ext: OnnxTensor = { name: 'bias', dims: [4], dataType: DataType.FLOAT, dataLocation: 1, external: { location: 'weights.bin', offset: '8', length: '16' } };
    const bytes = encodeModel({ opset: 13, producer: 't', graphName: 'g', initializers: [ext], nodes: [{ op: 'Add', name: 'add', inputs: ['x', 'bias'], outputs: ['y'] }], inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y', dims: [1, 4] }] });
    expect(() => loadOnnx(bytes, { source: 'ext.onnx', readExternal: () => null })).toThrow(/ext\.onnx: tensor 'bias' keeps its data in the external file 'weights\.bin', which is missing/);
    expect(() => loadOnnx(bytes, { source: 'ext.onnx' })).toThrow(/tensor 'bias'.*'weights\.bin'/);
    const file = new Uint8Array(24); file.set(new Uint8Array(w.buffer), 8);
    const r = loadOnnx(bytes, { source: 'ext.onnx', readExternal: (loc) => (loc === 'weights.bin' ? file : null) });
    const y = r.run(E.tensor([1, 1, 1, 1], [1, 4])).y;
    expect(await y.toArray()).toEqual([2, -1, 4, -3]);
    y.dispose(); r.dispose();
  });

  it('names the input when its size is wrong', () => {
    setEngine(eng!);
    const r = loadOnnx(coverageModel(), { source: 'coverage.onnx' });
    expect(() => r.run(E.tensor(new Float32Array(2 * 3 * 8 * 8), [2, 3, 8, 8]))).toThrow(/coverage\.onnx: input 'x' must be \[N, 4, 8, 8\] \(NCHW\), got \[2, 3, 8, 8\]/);
    expect(() => r.runNhwc(E.tensor(new Float32Array(8 * 8 * 3), [1, 8, 8, 3]))).toThrow(/input 'x' must be .*got \[1, 3, 8, 8\] \(given as NHWC \[1, 8, 8, 3\]\)/);
    r.dispose();
  });

  it('says why a graph is not a MobileFaceNet', () => {
    setEngine(eng!);
    expect(() => loadOnnxIntoMobileFaceNet(coverageModel(), { source: 'coverage.onnx' })).toThrow(/coverage\.onnx: not a MobileFaceNet of this project's layout/);
    if (haveShared) expect(() => loadOnnxIntoMobileFaceNet(readFileSync(PUBLIC_MODEL), { source: 'foamliu.onnx' })).toThrow(/foamliu\.onnx: not a MobileFaceNet.*activations relu6 and relu/);
  });

  it('writes NumPy .npy headers', () => {
    const npy = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const hlen = npy[8] | (npy[9] << 8);
    expect((10 + hlen) % 64).toBe(0);
    expect(Array.from(npy.subarray(0, 8))).toEqual([0x93, 78, 85, 77, 80, 89, 1, 0]);
    expect(new TextDecoder().decode(npy.subarray(10, 10 + hlen))).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    expect(Array.from(new Float32Array(npy.slice(10 + hlen).buffer))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('ffc export and ffc embed: a run folder and its exported ONNX give the same embeddings', async () => {
    setEngine(eng!);
    const dir = mkdtempSync(join(tmpdir(), 'ffc-onnx-'));
    try {
      const run = join(dir, 'run');
      mkdirSync(join(dir, 'imgs', 'a'), { recursive: true });
      const net = new MobileFaceNet({ inputSize: 32, width: 0.25, embedding: 16, activation: 'prelu', seed: 7 });
      mkdirSync(run);
      writeFileSync(join(run, 'model.safetensors'), E.encodeSafetensors(await net.saveState()));
      writeFileSync(join(run, 'config.json'), JSON.stringify({ model: { inputSize: 32, width: 0.25, embedding: 16, activation: 'prelu' } }));
      net.dispose();
      const rng = new E.Rng(3);
      for (let k = 0; k < 3; k++) {
        const data = Uint8Array.from({ length: 40 * 40 * 3 }, () => Math.floor(rng.next() * 256));
        writeFileSync(join(dir, 'imgs', 'a', `${k}.png`), encodePng({ width: 40, height: 40, data }));
      }
      const onnx = join(dir, 'm.onnx');
      await exportCommand([run, '--onnx', onnx, '--keep-bn'], { quiet: true });
      const a = await embedCommand(['--model', run, '--images', join(dir, 'imgs'), '--out', join(dir, 'e1'), '--flip'], { quiet: true });
      const b = await embedCommand(['--model', onnx, '--images', join(dir, 'imgs'), '--out', join(dir, 'e2'), '--flip'], { quiet: true });
      expect(a.names).toEqual(['a/0.png', 'a/1.png', 'a/2.png']);
      expect(a.dim).toBe(16);
      expect(maxAbsDiff(a.embeddings, b.embeddings)).toBeLessThanOrEqual(1e-5);
      expect(readFileSync(join(dir, 'e1.names.txt'), 'utf8')).toBe('a/0.png\na/1.png\na/2.png\n');
      expect(readFileSync(join(dir, 'e1.f32')).length).toBe(3 * 16 * 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
