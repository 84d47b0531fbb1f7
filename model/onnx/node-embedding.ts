// One loader for every kind of face-embedding model the tools accept (Node-only: reads files):
//  - an ONNX file (run by the importer; any graph NCHW [n, 3, S, S] → [n, D]);
//  - a run folder (config.json + model.safetensors) or a MobileFaceNet .safetensors file (options from
//    config.json, else read off the tensor shapes). These are run through the same importer after an
//    in-memory BN-folded export: faster than the training graph, and intermediates are freed early.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as E from '../../engine/index';
import type { Tensor } from '../../engine/index';
import { engine } from '../../engine/engine';
import { decodeSafetensors, type NamedArray } from '../../engine/safetensors';
import type { MobileFaceNetOptions } from '../mobilefacenet';
import { loadOnnx, type OnnxRunner } from './runtime';
import { exportOnnxFromState } from './mobilefacenet';

export interface EmbeddingModel {
  readonly kind: 'onnx' | 'mobilefacenet';
  readonly source: string;
  /** Input side S: images are S × S RGB, normalised (x − 127.5) / 128. */
  readonly inputSize: number;
  /** Embedding size D. */
  readonly dim: number;
  /** The ONNX graph that runs (for MobileFaceNet weights, the in-memory export). */
  readonly runner: OnnxRunner;
  /** A normalised NHWC batch [n, S, S, 3] → raw embeddings [n, D] (not normalised; the caller owns it). */
  embed(x: Tensor): Tensor;
  /** Host images (NHWC, normalised) → L2-normalised embeddings, flip-fused when `flipped` is given (train/eval's Embedder). */
  embed(images: Float32Array, n: number, flipped?: Float32Array): Promise<Float32Array>;
  dispose(): void;
}

export interface LoadEmbeddingOptions {
  /** Backend to start if no engine is running yet (default 'auto'); a running engine is used as is. */
  backend?: string;
}

/** Reads external-data files next to the model. */
export function externalReaderFor(file: string): (location: string) => Uint8Array | null {
  const dir = dirname(resolve(file));
  return (loc) => {
    const p = resolve(dir, loc);
    return existsSync(p) ? readFileSync(p) : null;
  };
}

/** Loads an ONNX file onto the current engine, with external data read beside it. */
export function loadOnnxFile(path: string): OnnxRunner {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  return loadOnnx(readFileSync(path), { source: path, readExternal: externalReaderFor(path) });
}

/** MobileFaceNet options and weights from a run folder or a .safetensors file. */
export function readMobileFaceNetState(spec: string): { state: Map<string, NamedArray>; options: MobileFaceNetOptions; file: string } {
  if (!existsSync(spec)) throw new Error(`model ${spec} does not exist`);
  const dir = statSync(spec).isDirectory();
  const file = dir ? join(spec, 'model.safetensors') : spec;
  if (!existsSync(file)) throw new Error(`${spec}: no model.safetensors (has the run written its first checkpoint?)`);
  let { tensors } = decodeSafetensors(readFileSync(file), file);
  if (!tensors.has('stem.conv.weight')) {
    // a trainer checkpoint may prefix the network's names
    const pre = [...tensors.keys()].find((k) => k.endsWith('.stem.conv.weight'))?.slice(0, -'stem.conv.weight'.length);
    if (pre) tensors = new Map([...tensors].filter(([k]) => k.startsWith(pre)).map(([k, v]) => [k.slice(pre.length), v]));
  }
  const cfgPath = dir ? join(spec, 'config.json') : join(dirname(file), 'config.json');
  let options: MobileFaceNetOptions | null = null;
  if (existsSync(cfgPath)) {
    const j = JSON.parse(readFileSync(cfgPath, 'utf8'));
    if (j.model) options = { inputSize: j.model.inputSize, width: j.model.width, embedding: j.model.embedding, activation: j.model.activation };
    else if (j.config) options = { inputSize: j.config.input, width: j.config.width, embedding: j.config.emb, activation: j.config.activation };
  }
  options ??= optionsFromShapes(tensors, file);
  return { state: tensors, options, file };
}

/** Options read off a MobileFaceNet state dict ('relu' when there are no PReLU slopes: ReLU and ReLU6 look alike). */
export function optionsFromShapes(state: Map<string, NamedArray>, source: string): MobileFaceNetOptions {
  const get = (k: string) => {
    const t = state.get(k);
    if (!t) throw new Error(`${source}: '${k}' is missing; this is not a MobileFaceNet state dict of this project`);
    return t.shape;
  };
  const stem = get('stem.conv.weight'), gdc = get('gdc.conv.weight'), emb = get('embedding.conv.weight');
  return { width: stem[0] / 64, inputSize: 16 * gdc[1], embedding: emb[0], activation: state.has('stem.act.weight') ? 'prelu' : 'relu' };
}

async function startEngine(backend: string): Promise<void> {
  if (!['auto', 'wasm', 'webgpu'].includes(backend)) throw new Error(`--backend must be auto, webgpu or wasm, not '${backend}'`);
  const { initNode } = await import('../../engine/node');
  await initNode({ backend: backend as 'auto', log: null });
}

function embedder(kind: EmbeddingModel['kind'], source: string, runner: OnnxRunner): EmbeddingModel {
  const io = runner.inputs[0];
  const dims = io.dims ?? [];
  const h = dims[2], w = dims[3], c = dims[1];
  if (runner.inputs.length !== 1 || dims.length !== 4 || (typeof c === 'number' && c !== 3)) {
    throw new Error(`${source}: not an image embedding model: expected one input [n, 3, S, S], found ${runner.inputs.map((i) => `'${i.name}' [${i.dims ?? '?'}]`).join(', ')}`);
  }
  const inputSize = typeof h === 'number' && h > 0 ? h : typeof w === 'number' && w > 0 ? w : 112;
  const od = runner.outputs[0].dims;
  let dim = od && typeof od[od.length - 1] === 'number' ? (od[od.length - 1] as number) : 0;
  const run = (x: Tensor): Tensor => {
    const y = runner.runNhwc(x);
    if (y.rank === 2) { dim ||= y.shape[1]; return y; }
    const flat = E.reshape(y, [y.shape[0], y.size / y.shape[0]]);
    y.dispose();
    dim ||= flat.shape[1];
    return flat;
  };
  function embed(x: Tensor | Float32Array, n?: number, flipped?: Float32Array): Tensor | Promise<Float32Array> {
    if (x instanceof E.Tensor) return run(x);
    const s = inputSize;
    const out = E.tidy(() => {
      let e = run(E.tensor(x, [n!, s, s, 3]));
      if (flipped) e = E.add(e, run(E.tensor(flipped, [n!, s, s, 3])));
      return E.l2Normalize(e);
    });
    return out.data().then((d) => { out.dispose(); return d instanceof Float32Array ? d : Float32Array.from(d); });
  }
  return {
    kind, source, inputSize, runner,
    get dim() { return dim; },
    embed: embed as EmbeddingModel['embed'],
    dispose: () => runner.dispose(),
  };
}

/**
 * Loads an embedding model: an .onnx file, a run folder or a MobileFaceNet .safetensors. Uses the
 * running engine, or starts one on `backend` (Node entry) when none runs yet.
 */
export async function loadEmbeddingModel(spec: string, opts: LoadEmbeddingOptions = {}): Promise<EmbeddingModel> {
  let running = true;
  try { engine(); } catch { running = false; }
  if (!running) await startEngine(opts.backend ?? 'auto');
  if (!existsSync(spec)) throw new Error(`model ${spec} does not exist`);
  if (/\.onnx$/i.test(spec) && statSync(spec).isFile()) return embedder('onnx', spec, loadOnnxFile(spec));
  const { state, options, file } = readMobileFaceNetState(spec);
  const bytes = exportOnnxFromState(state, options, { foldBatchNorm: true });
  return embedder('mobilefacenet', file, loadOnnx(bytes, { source: `${file} (as ONNX)` }));
}
