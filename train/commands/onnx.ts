// `ffc export`, `ffc embed` and `ffc verify`: take a trained MobileFaceNet out as ONNX, and embed or
// compare face images with any model the tools accept (run folder, .safetensors, .onnx). Each handler
// parses its own flags and throws an Error with a helpful message on bad input.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { decodeImageAt, writeNormalized } from '../data/image';
import { ProgressBar } from '../progress';
import { cosine } from '../eval/metrics';
import { exportOnnxFromState } from '../../model/onnx/mobilefacenet';
import { decodeModel } from '../../model/onnx/schema';
import { loadEmbeddingModel, readMobileFaceNetState, type EmbeddingModel } from '../../model/onnx/node-embedding';

export const ONNX_HELP = `  ffc export <run dir | model.safetensors> --onnx out.onnx [--opset 13] [--keep-bn] [--batch N]
      the MobileFaceNet as ONNX: input 'input' [batch, 3, S, S] (RGB, (x − 127.5) / 128), output 'embedding'
  ffc embed --model <run dir | .safetensors | .onnx> --images <root | list file> --out <prefix>
            [--flip] [--batch 32] [--backend auto|webgpu|wasm]
      L2-normalised embeddings → <prefix>.f32 (n × D float32), <prefix>.npy, <prefix>.names.txt
  ffc verify --model <…> <a.jpg> <b.jpg> [--threshold t] [--flip] [--backend …]
      cosine similarity of two faces and same/different at the threshold`;

type Spec = Record<string, 'value' | 'bool'>;

function parse(cmd: string, args: string[], spec: Spec): { pos: string[]; opt: Record<string, string | boolean> } {
  const pos: string[] = [], opt: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) { pos.push(a); continue; }
    const [name, inline] = a.slice(2).split('=', 2);
    const kind = spec[name];
    if (!kind) throw new Error(`unknown option --${name} for 'ffc ${cmd}' (known: ${Object.keys(spec).map((k) => `--${k}`).join(', ')})\n${ONNX_HELP}`);
    if (kind === 'bool') { opt[name] = true; continue; }
    const v = inline ?? args[++i];
    if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new Error(`--${name} needs a value\n${ONNX_HELP}`);
    opt[name] = v;
  }
  return { pos, opt };
}

function num(v: string | boolean | undefined, name: string, d: number, integer = true): number {
  if (v === undefined) return d;
  const x = Number(v);
  if (!Number.isFinite(x) || (integer && !Number.isInteger(x))) throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'}, got '${v}'`);
  return x;
}

// ---- export -----------------------------------------------------------------------------------------

/** `ffc export <run dir> --onnx out.onnx`: writes the embedding model; returns the output path. */
export async function exportCommand(args: string[], opts: { quiet?: boolean } = {}): Promise<string> {
  const { pos, opt } = parse('export', args, { onnx: 'value', opset: 'value', 'keep-bn': 'bool', batch: 'value' });
  if (pos.length !== 1) throw new Error(`'ffc export' takes one run folder or .safetensors file, got ${pos.length}\n${ONNX_HELP}`);
  if (!opt.onnx) throw new Error(`'ffc export' needs --onnx <out.onnx>\n${ONNX_HELP}`);
  const { state, options, file } = readMobileFaceNetState(pos[0]);
  const batch = opt.batch !== undefined ? num(opt.batch, 'batch', 1) : 'batch';
  const bytes = exportOnnxFromState(state, options, {
    opset: num(opt.opset, 'opset', 13), foldBatchNorm: !opt['keep-bn'], batch,
    metadata: { 'ffc.source': file },
  });
  const out = String(opt.onnx);
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, bytes);
  const m = decodeModel(bytes, out); // a self-check that the file reads back
  if (!opts.quiet) {
    const params = m.graph.initializers.reduce((s, t) => s + t.dims.reduce((p, d) => p * d, 1), 0);
    console.log(`wrote ${out}: MobileFaceNet ${JSON.stringify(options)}, opset ${m.opsets[0].version}, ${m.graph.nodes.length} nodes, ` +
      `${(params / 1e6).toFixed(2)} M parameters, BN ${opt['keep-bn'] ? 'kept' : 'folded'}, ${(bytes.length / 1e6).toFixed(1)} MB; ` +
      `input 'input' [${batch}, 3, ${options.inputSize ?? 112}, ${options.inputSize ?? 112}] RGB (x − 127.5) / 128, output 'embedding'`);
  }
  return out;
}

// ---- embed ------------------------------------------------------------------------------------------

const IMAGE_EXT = /\.(jpe?g|png)$/i;

/** Image files under a root (recursive, sorted) or listed in a text file (one path per line, relative to the list). */
export function listImages(spec: string): { root: string; files: string[]; names: string[] } {
  if (!existsSync(spec)) throw new Error(`--images ${spec}: no such folder or file`);
  if (statSync(spec).isDirectory()) {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (e.name.startsWith('.')) continue;
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p); else if (IMAGE_EXT.test(e.name)) files.push(p);
      }
    };
    walk(spec);
    if (!files.length) throw new Error(`--images ${spec}: no .jpg/.jpeg/.png files found`);
    return { root: spec, files, names: files.map((f) => relative(spec, f).split('\\').join('/')) };
  }
  const root = dirname(spec);
  const names = readFileSync(spec, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/\s+/)[0]);
  const files = names.map((l) => (isAbsolute(l) ? l : join(root, l)));
  if (!files.length) throw new Error(`--images ${spec}: the list is empty`);
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`--images ${spec}: ${missing.length} listed file${missing.length > 1 ? 's do' : ' does'} not exist (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})`);
  return { root, files, names };
}

/** A NumPy .npy (format 1.0) of a float32 matrix. */
export function encodeNpy(data: Float32Array, shape: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Embeds files in batches (decoding while nothing else runs); L2-normalised, flip-fused with `flip`. */
export async function embedFiles(model: EmbeddingModel, files: string[], opts: { flip?: boolean; batch?: number; onProgress?: (done: number) => void } = {}): Promise<Float32Array> {
  const s = model.inputSize, px = s * s * 3, batch = opts.batch ?? 32;
  let out: Float32Array | null = null, d = 0;
  for (let start = 0; start < files.length; start += batch) {
    const chunk = files.slice(start, start + batch);
    const images = new Float32Array(chunk.length * px);
    const flipped = opts.flip ? new Float32Array(chunk.length * px) : undefined;
    chunk.forEach((f, j) => {
      const img = decodeImageAt(readFileSync(f), s, f);
      writeNormalized(img, images, j * px, false);
      if (flipped) writeNormalized(img, flipped, j * px, true);
    });
    const e = await model.embed(images, chunk.length, flipped);
    d = e.length / chunk.length;
    out ??= new Float32Array(files.length * d);
    out.set(e, start * d);
    opts.onProgress?.(start + chunk.length);
  }
  return out ?? new Float32Array(0);
}

/** `ffc embed`: writes <out>.f32, <out>.npy and <out>.names.txt; returns the embeddings. */
export async function embedCommand(args: string[], opts: { quiet?: boolean } = {}): Promise<{ embeddings: Float32Array; names: string[]; dim: number }> {
  const { pos, opt } = parse('embed', args, { model: 'value', images: 'value', out: 'value', flip: 'bool', batch: 'value', backend: 'value' });
  if (pos.length) throw new Error(`'ffc embed' takes no positional arguments, got ${pos.map((p) => `'${p}'`).join(' ')}\n${ONNX_HELP}`);
  for (const k of ['model', 'images', 'out']) if (!opt[k]) throw new Error(`'ffc embed' needs --${k}\n${ONNX_HELP}`);
  const { files, names } = listImages(String(opt.images));
  const model = await loadEmbeddingModel(String(opt.model), { backend: opt.backend ? String(opt.backend) : 'auto' });
  try {
    const bar = opts.quiet ? null : new ProgressBar(files.length, 'embed', 'img');
    const t0 = performance.now();
    const emb = await embedFiles(model, files, { flip: !!opt.flip, batch: num(opt.batch, 'batch', 32), onProgress: (k) => bar?.update(k) });
    bar?.done();
    const n = files.length, dim = emb.length / n;
    const prefix = String(opt.out).replace(/\.(f32|npy)$/, '');
    mkdirSync(dirname(resolve(prefix)), { recursive: true });
    writeFileSync(`${prefix}.f32`, new Uint8Array(emb.buffer, emb.byteOffset, emb.byteLength));
    writeFileSync(`${prefix}.npy`, encodeNpy(emb, [n, dim]));
    writeFileSync(`${prefix}.names.txt`, names.map((x) => x + '\n').join(''));
    if (!opts.quiet) {
      const secs = (performance.now() - t0) / 1000;
      console.log(`${n} images × ${dim} → ${prefix}.f32, ${prefix}.npy, ${prefix}.names.txt (${(n / secs).toFixed(1)} img/s${opt.flip ? ', flip-fused' : ''}, L2-normalised)`);
    }
    return { embeddings: emb, names, dim };
  } finally {
    model.dispose();
  }
}

// ---- verify -----------------------------------------------------------------------------------------

/** The threshold saved by `ffc eval` in a run folder, if any. */
function savedThreshold(model: string): number | null {
  const p = join(model, 'eval', 'metrics.json');
  if (!existsSync(model) || !statSync(model).isDirectory() || !existsSync(p)) return null;
  const t = JSON.parse(readFileSync(p, 'utf8')).threshold;
  return typeof t === 'number' ? t : null;
}

export const DEFAULT_THRESHOLD = 0.3;

/** `ffc verify --model … a.jpg b.jpg`: prints the cosine similarity and the decision. */
export async function verifyCommand(args: string[], opts: { quiet?: boolean } = {}): Promise<{ similarity: number; same: boolean; threshold: number }> {
  const { pos, opt } = parse('verify', args, { model: 'value', threshold: 'value', flip: 'bool', backend: 'value' });
  if (!opt.model) throw new Error(`'ffc verify' needs --model\n${ONNX_HELP}`);
  if (pos.length !== 2) throw new Error(`'ffc verify' takes two image files, got ${pos.length}\n${ONNX_HELP}`);
  for (const f of pos) if (!existsSync(f)) throw new Error(`${f}: no such image file`);
  const model = await loadEmbeddingModel(String(opt.model), { backend: opt.backend ? String(opt.backend) : 'auto' });
  try {
    const emb = await embedFiles(model, pos, { flip: !!opt.flip, batch: 2 });
    const d = emb.length / 2;
    const similarity = cosine(emb.subarray(0, d), emb.subarray(d));
    const saved = savedThreshold(String(opt.model));
    const threshold = opt.threshold !== undefined ? num(opt.threshold, 'threshold', 0, false) : saved ?? DEFAULT_THRESHOLD;
    const same = similarity > threshold;
    if (!opts.quiet) {
      const why = opt.threshold !== undefined ? 'given' : saved !== null ? 'from the run\'s eval/metrics.json' : 'default; pass --threshold, or pick one with ffc eval';
      console.log(`similarity ${similarity.toFixed(4)} → ${same ? 'same person' : 'different people'} (threshold ${threshold} ${why})`);
    }
    return { similarity, same, threshold };
  } finally {
    model.dispose();
  }
}
