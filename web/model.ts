// Face-embedding models from bytes (no file system): a MobileFaceNet .safetensors of this project
// (architecture from a config/model JSON beside it, else read off the tensor shapes), or any ONNX
// graph [n, 3, S, S] → [n, D] run by the project's ONNX importer. Browser-safe.
import * as E from '../engine/index';
import { decodeSafetensors, type NamedArray } from '../engine/safetensors';
import { MobileFaceNet, type MobileFaceNetOptions } from '../model/mobilefacenet';
import { loadOnnx } from '../model/onnx/runtime';
import { embedBatch } from '../train/eval/verify';

export interface FaceModel {
  readonly kind: 'mobilefacenet' | 'onnx';
  readonly name: string;
  readonly inputSize: number;
  readonly dim: number;
  /** Calibrated decision threshold on cosine similarity, when known. */
  threshold: number | null;
  /** Where the threshold came from, in words. */
  thresholdNote: string;
  /** Normalised NHWC host images → L2-normalised embeddings (flip-fused when `flipped` is given). */
  embed(images: Float32Array, n: number, flipped?: Float32Array): Promise<Float32Array>;
  dispose(): void;
}

export interface ModelFile { name: string; bytes: Uint8Array }

/** The JSON that may come with weights: ours (web/assets/model.json) or a training run's config.json. */
export interface ModelMeta {
  name?: string;
  model?: { inputSize: number; width: number; embedding: number; activation: MobileFaceNetOptions['activation'] };
  config?: { input: number; width: number; emb: number; activation: MobileFaceNetOptions['activation'] };
  threshold?: number;
  calibration?: { accuracy: number; pairs: number };
}

export function optionsFromMeta(meta: ModelMeta | null): MobileFaceNetOptions | null {
  if (meta?.model) return { inputSize: meta.model.inputSize, width: meta.model.width, embedding: meta.model.embedding, activation: meta.model.activation };
  if (meta?.config) return { inputSize: meta.config.input, width: meta.config.width, embedding: meta.config.emb, activation: meta.config.activation };
  return null;
}

/** MobileFaceNet options read off a state dict. */
export function optionsFromShapes(state: Map<string, NamedArray>, source: string): MobileFaceNetOptions {
  const get = (k: string) => {
    const t = state.get(k);
    if (!t) throw new Error(`${source}: tensor '${k}' is missing, so this is not a MobileFaceNet of this project (found ${state.size} tensors${state.size ? `, e.g. '${[...state.keys()][0]}'` : ''})`);
    return t.shape;
  };
  const stem = get('stem.conv.weight'), gdc = get('gdc.conv.weight'), emb = get('embedding.conv.weight');
  return { width: stem[0] / 64, inputSize: 16 * gdc[1], embedding: emb[0], activation: state.has('stem.act.weight') ? 'prelu' : 'relu' };
}

function parseMeta(f: ModelFile): ModelMeta {
  try {
    return JSON.parse(new TextDecoder().decode(f.bytes)) as ModelMeta;
  } catch (e) {
    throw new Error(`${f.name}: not valid JSON (${(e as Error).message})`);
  }
}

export function mobileFaceNetFromState(tensors: Map<string, NamedArray>, name: string, meta: ModelMeta | null): FaceModel {
  if (!tensors.has('stem.conv.weight')) {
    // a trainer checkpoint may prefix the network's names
    const pre = [...tensors.keys()].find((k) => k.endsWith('.stem.conv.weight'))?.slice(0, -'stem.conv.weight'.length);
    if (pre) tensors = new Map([...tensors].filter(([k]) => k.startsWith(pre)).map(([k, v]) => [k.slice(pre.length), v]));
  }
  const options = optionsFromMeta(meta) ?? optionsFromShapes(tensors, name);
  const net = new MobileFaceNet(options);
  try {
    net.loadState(tensors, name);
  } catch (e) {
    net.dispose();
    throw e;
  }
  net.eval();
  const threshold = typeof meta?.threshold === 'number' ? meta.threshold : null;
  return {
    kind: 'mobilefacenet', name: meta?.name ?? name, inputSize: net.inputSize, dim: net.embeddingSize, threshold,
    thresholdNote: threshold !== null
      ? meta?.calibration ? `calibrated on ${meta.calibration.pairs} held-out synthetic pairs (accuracy ${(100 * meta.calibration.accuracy).toFixed(1)}%)` : 'from the model\'s JSON'
      : 'not calibrated',
    embed: (images, n, flipped) => embedBatch(net, images, n, flipped),
    dispose: () => net.dispose(),
  };
}

function onnxModel(f: ModelFile, meta: ModelMeta | null): FaceModel {
  const runner = loadOnnx(f.bytes, {
    source: f.name,
    readExternal: () => null, // a page gets one file: external data must be embedded
  });
  const io = runner.inputs[0];
  const dims = io?.dims ?? [];
  if (runner.inputs.length !== 1 || dims.length !== 4 || (typeof dims[1] === 'number' && dims[1] !== 3)) {
    runner.dispose();
    throw new Error(`${f.name}: not an image embedding model: expected one input [n, 3, S, S], found ${runner.inputs.map((i) => `'${i.name}' [${i.dims ?? '?'}]`).join(', ')}`);
  }
  const h = dims[2], w = dims[3];
  const inputSize = typeof h === 'number' && h > 0 ? h : typeof w === 'number' && w > 0 ? w : (optionsFromMeta(meta)?.inputSize ?? 112);
  let dim = 0;
  const run = (x: E.Tensor): E.Tensor => {
    const y = runner.runNhwc(x);
    const flat = y.rank === 2 ? y : E.reshape(y, [y.shape[0], y.size / y.shape[0]]);
    dim = flat.shape[1];
    return flat;
  };
  const threshold = typeof meta?.threshold === 'number' ? meta.threshold : null;
  return {
    kind: 'onnx', name: f.name, inputSize, threshold,
    thresholdNote: threshold !== null ? 'from the model\'s JSON' : 'not calibrated',
    get dim() { return dim; },
    async embed(images, n, flipped) {
      const s = inputSize;
      const out = E.tidy(() => E.noGrad(() => {
        let e = run(E.tensor(images, [n, s, s, 3]));
        if (flipped) e = E.add(e, run(E.tensor(flipped, [n, s, s, 3])));
        return E.l2Normalize(e);
      }));
      const d = await out.data();
      out.dispose();
      return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
    },
    dispose: () => runner.dispose(),
  };
}

/** Loads the model among the given files (weights plus an optional JSON); throws readable errors. */
export function loadFaceModel(files: ModelFile[]): FaceModel {
  if (!files.length) throw new Error('no file was given');
  const jsons = files.filter((f) => /\.json$/i.test(f.name));
  const weights = files.filter((f) => !/\.json$/i.test(f.name));
  if (weights.length !== 1) {
    throw new Error(weights.length ? `give one model file at a time (got ${weights.map((f) => f.name).join(', ')})`
      : `${jsons.map((f) => f.name).join(', ')}: that is only the configuration; drop it together with the model's .safetensors (or an .onnx file)`);
  }
  const meta = jsons.length ? parseMeta(jsons[0]) : null;
  const f = weights[0];
  if (!f.bytes.length) throw new Error(`${f.name}: the file is empty`);
  if (/\.onnx$/i.test(f.name)) return onnxModel(f, meta);
  if (/\.safetensors$/i.test(f.name)) return mobileFaceNetFromState(decodeSafetensors(f.bytes, f.name).tensors, f.name, meta);
  // by content: safetensors starts with a little-endian u64 header length then '{'
  if (f.bytes.length > 8 && f.bytes[8] === 0x7b) return mobileFaceNetFromState(decodeSafetensors(f.bytes, f.name).tensors, f.name, meta);
  if (f.bytes[0] === 0x08) return onnxModel(f, meta); // ONNX ModelProto: field 1 (ir_version), varint
  throw new Error(`${f.name}: not a model this page can read; use a MobileFaceNet .safetensors of this project (with its config.json) or an .onnx embedding model`);
}
