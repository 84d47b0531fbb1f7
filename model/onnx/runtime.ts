// Runs an ONNX graph on the engine (either backend). Loading decodes the file, checks every node is
// supported (one error lists all that are not), converts conv weights OIHW → OHWI once and folds
// BatchNormalization into the conv before it. Running walks the nodes: values whose inputs are all
// known on the host (Constant, Shape, Gather, Unsqueeze, Concat, … — the shape arithmetic exporters
// emit) are computed on the host for the given input size; the rest run on the device. Each device
// value remembers its layout: 4-D activations live as NHWC ("nhwc": logical NCHW [n, c, h, w] stored
// as [n, h, w, c]); a value is transposed only where an op needs the logical (NCHW) order, e.g. a
// Reshape/Flatten of a map larger than 1×1. Intermediates are freed as soon as their last consumer
// has run. Browser-safe.
import * as E from '../../engine/index';
import type { Tensor } from '../../engine/index';
import { decodeModel, AttrType, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxValueInfo } from './schema';
import {
  decodeTensor, hostBinary, hostConcat, hostGather, hostTensor, hostTranspose, sizeOfShape,
  type ExternalReader, type HostTensor,
} from './host';

/** Newest default-domain opset this importer knows (ops keep their semantics through it). */
export const MAX_OPSET = 21;
export const MIN_OPSET = 7;

export const SUPPORTED_OPS = [
  'Conv', 'BatchNormalization', 'Relu', 'Clip', 'PRelu', 'Add', 'Mul', 'Sub', 'Div', 'Gemm', 'MatMul', 'Flatten',
  'Reshape', 'Transpose', 'GlobalAveragePool', 'AveragePool', 'Identity', 'Dropout', 'Constant', 'Shape',
  'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Cast',
] as const;
const SUPPORTED = new Set<string>(SUPPORTED_OPS);

export interface OnnxLoadOptions {
  /** The file name, used in every error message. */
  source?: string;
  /** Reads an external-data file named by a tensor (relative to the model's directory); null if missing. */
  readExternal?: ExternalReader;
  /** Fold BatchNormalization into the preceding Conv at load (default true). */
  foldBatchNorm?: boolean;
}

interface HostVal { kind: 'host'; t: HostTensor; static: boolean }
interface DevVal { kind: 'dev'; t: Tensor; nhwc: boolean }
type Val = HostVal | DevVal;

/** Logical (ONNX) shape of a value. */
function shapeOf(v: Val): number[] {
  if (v.kind === 'host') return v.t.shape;
  const s = v.t.shape;
  return v.nhwc ? [s[0], s[3], s[1], s[2]] : [...s];
}

const attrOf = (n: OnnxNode, name: string) => n.attributes.get(name);
const intAttr = (n: OnnxNode, name: string, d: number) => attrOf(n, name)?.i ?? d;
const floatAttr = (n: OnnxNode, name: string, d: number) => attrOf(n, name)?.f ?? d;
const intsAttr = (n: OnnxNode, name: string): number[] | undefined => {
  const a = attrOf(n, name);
  return a && a.type === AttrType.INTS ? a.ints : undefined;
};
const strAttr = (n: OnnxNode, name: string, d: string) => {
  const a = attrOf(n, name);
  return a?.s ? new TextDecoder().decode(a.s) : d;
};

interface ConvPrep { weight: Tensor; bias: Tensor | null; kh: number; kw: number; groups: number; cout: number }

export interface OnnxIO { name: string; dims: (number | string | null)[] | null }

/** A loaded ONNX graph, ready to run on the engine that was current when it was loaded. */
export class OnnxRunner {
  readonly source: string;
  readonly model: OnnxModel;
  readonly opset: number;
  readonly inputs: OnnxIO[];
  readonly outputs: OnnxIO[];
  private readonly nodes: OnnxNode[];
  private readonly statics = new Map<string, HostTensor>();
  private readonly convs = new Map<OnnxNode, ConvPrep>();
  private readonly devCache = new Map<string, Tensor>();
  private readonly uses = new Map<string, number>();
  private disposed = false;

  constructor(bytes: Uint8Array, opts: OnnxLoadOptions = {}) {
    this.source = opts.source ?? 'ONNX model';
    const src = this.source;
    this.model = decodeModel(bytes, src);
    const g = this.model.graph;
    const def = this.model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx');
    this.opset = def?.version ?? (this.model.opsets.length ? 0 : 1);
    if (this.opset > MAX_OPSET) {
      throw new Error(`${src}: opset ${this.opset} is newer than this importer supports (${MIN_OPSET}–${MAX_OPSET}); re-export with opset ≤ ${MAX_OPSET} (e.g. torch.onnx.export(..., opset_version=${Math.min(17, MAX_OPSET)}))`);
    }
    if (this.opset < MIN_OPSET) throw new Error(`${src}: opset ${this.opset} is older than this importer supports (${MIN_OPSET}–${MAX_OPSET})`);

    // one error for every unsupported op
    const bad = g.nodes.filter((n) => !SUPPORTED.has(n.opType) || (n.domain !== '' && n.domain !== 'ai.onnx'));
    if (bad.length) {
      const types = [...new Set(bad.map((n) => (n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.` : '') + n.opType))];
      const list = bad.slice(0, 20).map((n) => `${n.opType} '${n.name || n.outputs[0]}'`).join(', ');
      throw new Error(`${src}: unsupported op${types.length > 1 ? 's' : ''} ${types.join(', ')} in ${bad.length} node${bad.length > 1 ? 's' : ''}: ${list}${bad.length > 20 ? `, … (${bad.length - 20} more)` : ''}. Supported: ${SUPPORTED_OPS.join(', ')}`);
    }
    for (const t of g.initializers) this.statics.set(t.name, decodeTensor(t, src, opts.readExternal));
    const initNames = new Set(g.initializers.map((t) => t.name));
    this.inputs = g.inputs.filter((i) => !initNames.has(i.name)).map((i) => ({ name: i.name, dims: i.dims }));
    this.outputs = g.outputs.map((o) => ({ name: o.name, dims: o.dims }));
    if (!this.inputs.length) throw new Error(`${src}: the graph has no inputs`);

    // Constant nodes are static values
    for (const n of g.nodes) if (n.opType === 'Constant') this.statics.set(n.outputs[0], this.constantValue(n));
    this.nodes = g.nodes.filter((n) => n.opType !== 'Constant');

    for (const n of this.nodes) this.checkNode(n);
    if (opts.foldBatchNorm !== false) this.foldBatchNorms();
    for (const n of this.nodes) for (const i of n.inputs) if (i) this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
    for (const o of this.outputs) this.uses.set(o.name, (this.uses.get(o.name) ?? 0) + 1e9); // never freed
    this.prepareConvs();
  }

  private where(n: OnnxNode): string { return `${this.source}: ${n.opType} node '${n.name || n.outputs[0]}'`; }

  private constantValue(n: OnnxNode): HostTensor {
    const a = [...n.attributes.values()][0];
    if (!a) throw new Error(`${this.where(n)} has no value`);
    switch (a.name) {
      case 'value': return decodeTensor(a.t!, this.source);
      case 'value_float': return hostTensor(true, [], [a.f!]);
      case 'value_floats': return hostTensor(true, [a.floats.length], a.floats);
      case 'value_int': return hostTensor(false, [], [a.i!]);
      case 'value_ints': return hostTensor(false, [a.ints.length], a.ints);
      default: throw new Error(`${this.where(n)}: Constant with attribute '${a.name}' is not supported`);
    }
  }

  /** Load-time checks of attributes the engine cannot do. */
  private checkNode(n: OnnxNode): void {
    if (n.opType === 'Conv' || n.opType === 'AveragePool') {
      const dil = intsAttr(n, 'dilations');
      if (dil && dil.some((d) => d !== 1)) throw new Error(`${this.where(n)}: dilations [${dil}] are not supported (only 1)`);
      const ks = intsAttr(n, 'kernel_shape');
      if (ks && ks.length !== 2) throw new Error(`${this.where(n)}: only 2-D ${n.opType} is supported (kernel_shape [${ks}])`);
    }
    if (n.opType === 'Conv') {
      const w = this.statics.get(n.inputs[1]);
      if (!w) throw new Error(`${this.where(n)}: the weight '${n.inputs[1]}' must be a constant (initializer)`);
      if (w.shape.length !== 4) throw new Error(`${this.where(n)}: only 2-D convolution is supported (weight [${w.shape}])`);
      if (n.inputs[2] && !this.statics.has(n.inputs[2])) throw new Error(`${this.where(n)}: the bias '${n.inputs[2]}' must be a constant`);
    }
    if (n.opType === 'AveragePool' && intAttr(n, 'ceil_mode', 0)) throw new Error(`${this.where(n)}: ceil_mode = 1 is not supported`);
    if (n.opType === 'BatchNormalization') {
      for (const i of n.inputs.slice(1, 5)) if (!this.statics.has(i)) throw new Error(`${this.where(n)}: '${i}' must be a constant`);
      if (n.outputs.filter(Boolean).length > 1) throw new Error(`${this.where(n)}: training-mode BatchNormalization (several outputs) is not supported`);
    }
  }

  private consumers(name: string): OnnxNode[] { return this.nodes.filter((n) => n.inputs.includes(name)); }

  /** Conv → BatchNormalization (the conv's only consumer) becomes one conv with scaled weights and a bias. */
  private foldBatchNorms(): void {
    const graphOut = new Set(this.outputs.map((o) => o.name));
    for (const bn of this.nodes.filter((n) => n.opType === 'BatchNormalization')) {
      const conv = this.nodes.find((n) => n.opType === 'Conv' && n.outputs[0] === bn.inputs[0]);
      if (!conv || graphOut.has(conv.outputs[0]) || this.consumers(conv.outputs[0]).length !== 1) continue;
      const { scale, shift } = this.bnAffine(bn);
      const w = this.statics.get(conv.inputs[1])!;
      const cout = w.shape[0], per = w.data.length / cout;
      const nw = new Float32Array(w.data.length);
      for (let o = 0; o < cout; o++) for (let i = 0; i < per; i++) nw[o * per + i] = w.data[o * per + i] * scale[o];
      const b = conv.inputs[2] ? this.statics.get(conv.inputs[2])!.data : new Float32Array(cout);
      const nb = new Float32Array(cout);
      for (let o = 0; o < cout; o++) nb[o] = b[o] * scale[o] + shift[o];
      const wName = `${conv.outputs[0]}::folded_weight`, bName = `${conv.outputs[0]}::folded_bias`;
      this.statics.set(wName, { float: true, shape: w.shape, data: nw });
      this.statics.set(bName, { float: true, shape: [cout], data: nb });
      conv.inputs = [conv.inputs[0], wName, bName];
      conv.outputs = [bn.outputs[0]];
      this.nodes.splice(this.nodes.indexOf(bn), 1);
    }
  }

  private bnAffine(bn: OnnxNode): { scale: Float32Array; shift: Float32Array } {
    const [gamma, beta, mean, variance] = bn.inputs.slice(1, 5).map((i) => this.statics.get(i)!.data);
    const eps = floatAttr(bn, 'epsilon', 1e-5);
    const c = gamma.length;
    const scale = new Float32Array(c), shift = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      scale[i] = gamma[i] / Math.sqrt(variance[i] + eps);
      shift[i] = beta[i] - mean[i] * scale[i];
    }
    return { scale, shift };
  }

  private prepareConvs(): void {
    for (const n of this.nodes) {
      if (n.opType !== 'Conv') continue;
      const w = this.statics.get(n.inputs[1])!;
      const [cout, cinG, kh, kw] = w.shape;
      const ohwi = hostTranspose(w, [0, 2, 3, 1]);
      const weight = E.keep(E.tensor(ohwi.data as Float32Array, [cout, kh, kw, cinG]));
      const b = n.inputs[2] ? this.statics.get(n.inputs[2])! : null;
      const bias = b ? E.keep(E.tensor(Float32Array.from(b.data), [cout])) : null;
      this.convs.set(n, { weight, bias, kh, kw, cout, groups: intAttr(n, 'group', 1) });
    }
  }

  // ---- running --------------------------------------------------------------------------------------

  /**
   * Runs the graph. `inputs` maps input names to tensors (or is the one input); `layout` says whether
   * 4-D inputs are given as the model's NCHW or already as NHWC (what the engine's image pipeline
   * makes — no transpose at all then). Returns the outputs in ONNX (logical) layout; the caller owns them.
   */
  run(inputs: Tensor | Record<string, Tensor>, opts: { layout?: 'nchw' | 'nhwc' } = {}): Record<string, Tensor> {
    if (this.disposed) throw new Error(`${this.source}: the model was disposed`);
    const named = inputs instanceof E.Tensor ? { [this.inputs[0].name]: inputs } : inputs;
    const layout = opts.layout ?? 'nchw';
    return E.noGrad(() => E.tidy(() => {
      const env = new Map<string, Val>();
      for (const io of this.inputs) {
        const x = named[io.name];
        if (!x) throw new Error(`${this.source}: input '${io.name}' was not given (inputs: ${this.inputs.map((i) => i.name).join(', ')})`);
        const nhwc = layout === 'nhwc' && x.rank === 4;
        const v: DevVal = { kind: 'dev', t: E.reshape(x, x.shape), nhwc };
        this.checkInput(io, shapeOf(v), x.shape, nhwc);
        env.set(io.name, v);
      }
      const remaining = new Map(this.uses);
      for (const n of this.nodes) {
        let outs: Val[];
        try {
          const args = n.inputs.map((i) => (i ? this.value(env, i, n) : undefined));
          outs = E.tidy(() => this.exec(n, args)); // frees each op's temporaries at once
        } catch (err) {
          const msg = (err as Error).message;
          throw new Error(msg.startsWith(this.source) ? msg : `${this.where(n)}: ${msg}`);
        }
        n.outputs.forEach((o, k) => { if (o && outs[k]) env.set(o, outs[k]); });
        for (const i of n.inputs) {
          if (!i) continue;
          const left = (remaining.get(i) ?? 1) - 1;
          remaining.set(i, left);
          const v = env.get(i);
          if (left === 0 && v?.kind === 'dev') { v.t.dispose(); env.delete(i); }
        }
      }
      const result: Record<string, Tensor> = {};
      for (const o of this.outputs) {
        const v = env.get(o.name) ?? (this.statics.has(o.name) ? this.hostVal(o.name) : undefined);
        if (!v) throw new Error(`${this.source}: output '${o.name}' was not computed`);
        result[o.name] = v.kind === 'host' ? E.tensor(Float32Array.from(v.t.data), v.t.shape) : this.plain(v).t;
      }
      return result;
    }));
  }

  /** Runs a one-input, one-output model on an NHWC batch. */
  runNhwc(x: Tensor): Tensor {
    return this.run(x, { layout: 'nhwc' })[this.outputs[0].name];
  }

  private checkInput(io: OnnxIO, logical: number[], given: readonly number[], nhwc: boolean): void {
    const dims = io.dims;
    if (!dims) return;
    const ok = dims.length === logical.length && dims.every((d, i) => typeof d !== 'number' || d <= 0 || d === logical[i]);
    if (!ok) {
      const want = `[${dims.map((d) => (typeof d === 'number' && d > 0 ? d : d ?? '?')).join(', ')}]`;
      throw new Error(`${this.source}: input '${io.name}' must be ${want} (NCHW), got [${logical.join(', ')}]${nhwc ? ` (given as NHWC [${given.join(', ')}])` : ''}`);
    }
  }

  private hostVal(name: string): HostVal { return { kind: 'host', t: this.statics.get(name)!, static: true }; }

  private value(env: Map<string, Val>, name: string, n: OnnxNode): Val {
    const v = env.get(name);
    if (v) return v;
    if (this.statics.has(name)) return this.hostVal(name);
    throw new Error(`${this.where(n)}: input '${name}' is not produced by any earlier node, initializer or graph input`);
  }

  /** A host value on the device in the given form (cached when the value is static). */
  private upload(v: HostVal, form: 'plain' | 'nhwc', rank = v.t.shape.length, key = ''): Tensor {
    const ck = v.static && key ? `${key}|${form}|${rank}` : '';
    const hit = ck ? this.devCache.get(ck) : undefined;
    if (hit) return E.reshape(hit, hit.shape);
    let h = v.t;
    if (form === 'nhwc') {
      const s4 = [...new Array(4 - h.shape.length).fill(1), ...h.shape];
      h = hostTranspose({ ...h, shape: s4 }, [0, 2, 3, 1]);
    } else if (rank > h.shape.length) {
      h = { ...h, shape: [...new Array(rank - h.shape.length).fill(1), ...h.shape] };
    }
    const t = E.tensor(Float32Array.from(h.data), h.shape);
    if (!ck) return t;
    this.devCache.set(ck, E.keep(t));
    return E.reshape(t, t.shape);
  }

  /** The value in logical (ONNX) order on the device. */
  private plain(v: Val, key = ''): DevVal {
    if (v.kind === 'host') return { kind: 'dev', t: this.upload(v, 'plain', undefined, key), nhwc: false };
    if (!v.nhwc) return v;
    const [n, h, w, c] = v.t.shape;
    // a 1×1 map has the same element order in NHWC and NCHW: a view suffices
    const t = h * w === 1 || c === 1 ? E.reshape(v.t, [n, c, h, w]) : E.transpose(v.t, [0, 3, 1, 2]);
    return { kind: 'dev', t, nhwc: false };
  }

  /** A 4-D value as NHWC on the device. */
  private nhwc(v: Val, key = ''): DevVal {
    if (v.kind === 'host') {
      if (v.t.shape.length > 4) throw new Error(`a constant of rank ${v.t.shape.length} cannot meet a 4-D activation`);
      return { kind: 'dev', t: this.upload(v, 'nhwc', 4, key), nhwc: true };
    }
    if (v.nhwc) return v;
    const s = v.t.shape;
    if (s.length > 4) throw new Error(`a value of rank ${s.length} cannot meet a 4-D activation`);
    const s4 = [...new Array(4 - s.length).fill(1), ...s];
    const [n, c, h, w] = s4;
    const t = h * w === 1 || c === 1 ? E.reshape(v.t, [n, h, w, c]) : E.transpose(E.reshape(v.t, s4), [0, 2, 3, 1]);
    return { kind: 'dev', t, nhwc: true };
  }

  private hostInts(v: Val | undefined, what: string): number[] {
    if (!v) throw new Error(`${what} is missing`);
    if (v.kind !== 'host') throw new Error(`${what} must be known at load time (a constant or computed from shapes), but it depends on the input's values`);
    return Array.from(v.t.data);
  }

  private exec(n: OnnxNode, ins: (Val | undefined)[]): Val[] {
    const x = ins[0];
    const allHost = ins.every((v) => !v || v.kind === 'host');
    const isStatic = ins.every((v) => !v || (v.kind === 'host' && v.static));
    const host = (t: HostTensor): HostVal => ({ kind: 'host', t, static: isStatic });
    const dev = (t: Tensor, nhwc: boolean): DevVal => ({ kind: 'dev', t, nhwc });
    const need = (v: Val | undefined, i: number): Val => { if (!v) throw new Error(`input ${i} is missing`); return v; };
    switch (n.opType) {
      case 'Identity': case 'Dropout': {
        const v = need(x, 0);
        return [v.kind === 'host' ? v : dev(E.reshape(v.t, v.t.shape), v.nhwc)];
      }
      case 'Cast': {
        const v = need(x, 0);
        const to = intAttr(n, 'to', 1);
        const toFloat = to === 1 || to === 10 || to === 11;
        if (v.kind === 'host') {
          const d = toFloat ? Float32Array.from(v.t.data) : Float64Array.from(v.t.data, (a) => (to === 9 ? (a ? 1 : 0) : Math.trunc(a)));
          return [host({ float: toFloat, shape: v.t.shape, data: d })];
        }
        if (!toFloat) throw new Error(`casting a runtime tensor to a non-float type (${to}) is not supported`);
        return [dev(E.reshape(v.t, v.t.shape), v.nhwc)];
      }
      case 'Shape': {
        const s = shapeOf(need(x, 0));
        const r = s.length;
        let start = intAttr(n, 'start', 0), end = intAttr(n, 'end', r);
        if (start < 0) start += r; if (end < 0) end += r;
        start = Math.max(0, Math.min(r, start)); end = Math.max(start, Math.min(r, end));
        return [{ kind: 'host', t: hostTensor(false, [end - start], s.slice(start, end)), static: false }];
      }
      case 'Gather': {
        const v = need(x, 0), idx = need(ins[1], 1);
        if (v.kind !== 'host' || idx.kind !== 'host') throw new Error('Gather on a runtime tensor is not supported (only on shapes and constants)');
        return [host(hostGather(v.t, idx.t, intAttr(n, 'axis', 0)))];
      }
      case 'Unsqueeze': case 'Squeeze': {
        const v = need(x, 0);
        const s = shapeOf(v);
        const axesRaw = intsAttr(n, 'axes') ?? (ins[1] ? this.hostInts(ins[1], 'axes') : undefined);
        let shape: number[];
        if (n.opType === 'Unsqueeze') {
          if (!axesRaw) throw new Error('Unsqueeze needs axes');
          const r = s.length + axesRaw.length;
          const axes = axesRaw.map((a) => (a < 0 ? a + r : a));
          shape = [];
          let k = 0;
          for (let i = 0; i < r; i++) shape.push(axes.includes(i) ? 1 : s[k++]);
        } else {
          const axes = axesRaw ? axesRaw.map((a) => (a < 0 ? a + s.length : a)) : s.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
          for (const a of axes) if (s[a] !== 1) throw new Error(`cannot squeeze axis ${a} of [${s}] (size ${s[a]})`);
          shape = s.filter((_, i) => !axes.includes(i));
        }
        if (v.kind === 'host') return [{ kind: 'host', t: { ...v.t, shape }, static: v.static }];
        return [dev(E.reshape(this.plain(v).t, shape), false)];
      }
      case 'Concat': {
        const axis0 = intAttr(n, 'axis', 0);
        const vs = ins.filter((v): v is Val => !!v);
        const rank = shapeOf(vs[0]).length;
        const axis = axis0 < 0 ? axis0 + rank : axis0;
        if (allHost) return [host(hostConcat(vs.map((v) => (v as HostVal).t).filter((t) => t.data.length || vs.length === 1), axis))];
        if (rank === 4 && vs.every((v) => v.kind === 'host' || v.nhwc)) {
          const phys = [0, 3, 1, 2][axis];
          return [dev(E.concat(vs.map((v, i) => this.nhwc(v, `${n.inputs[i]}`).t), phys), true)];
        }
        return [dev(E.concat(vs.map((v, i) => this.plain(v, n.inputs[i]).t), axis), false)];
      }
      case 'Reshape': {
        const v = need(x, 0);
        const target = this.hostInts(ins[1], 'the shape input');
        const s = shapeOf(v);
        const allowZero = intAttr(n, 'allowzero', 0);
        const shape = target.map((d, i) => (d === 0 && !allowZero ? s[i] : d));
        const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
        const total = sizeOfShape(s);
        const resolved = shape.map((d) => (d === -1 ? total / known : d));
        if (sizeOfShape(resolved) !== total || !resolved.every(Number.isInteger)) throw new Error(`cannot reshape [${s}] to [${target}]`);
        if (v.kind === 'host') return [{ kind: 'host', t: { ...v.t, shape: resolved }, static: v.static && isStatic }];
        return [dev(E.reshape(this.plain(v).t, resolved), false)];
      }
      case 'Flatten': {
        const v = need(x, 0);
        const s = shapeOf(v);
        let axis = intAttr(n, 'axis', 1);
        if (axis < 0) axis += s.length;
        const shape = [sizeOfShape(s.slice(0, axis)), sizeOfShape(s.slice(axis))];
        if (v.kind === 'host') return [{ ...v, t: { ...v.t, shape } }];
        return [dev(E.reshape(this.plain(v).t, shape), false)];
      }
      case 'Transpose': {
        const v = need(x, 0);
        const s = shapeOf(v);
        const perm = intsAttr(n, 'perm') ?? s.map((_, i) => s.length - 1 - i);
        if (v.kind === 'host') return [host(hostTranspose(v.t, perm))];
        if (v.nhwc) {
          // logical dim a sits at physical position pos[a] (N, C, H, W → 0, 3, 1, 2); the result is plain
          const pos = [0, 3, 1, 2];
          const p = perm.map((a) => pos[a]);
          const ident = p.every((a, i) => a === i);
          return [dev(ident ? E.reshape(v.t, v.t.shape) : E.transpose(v.t, p), false)];
        }
        return [dev(E.transpose(v.t, perm), false)];
      }
      case 'Add': case 'Sub': case 'Mul': case 'Div': {
        const a = need(x, 0), b = need(ins[1], 1);
        const f = { Add: (p: number, q: number) => p + q, Sub: (p: number, q: number) => p - q, Mul: (p: number, q: number) => p * q,
          Div: (p: number, q: number) => (a.kind === 'host' && !a.t.float && b.kind === 'host' && !b.t.float ? Math.trunc(p / q) : p / q) }[n.opType]!;
        if (a.kind === 'host' && b.kind === 'host') return [host(hostBinary(a.t, b.t, f, n.opType))];
        const op = { Add: E.add, Sub: E.sub, Mul: E.mul, Div: E.div }[n.opType]!;
        // a scalar constant: the engine's fused affine path
        for (const [p, q, first] of [[a, b, true], [b, a, false]] as [Val, Val, boolean][]) {
          if (q.kind === 'host' && q.t.data.length === 1 && q.t.shape.length <= shapeOf(p).length && p.kind === 'dev') {
            const c = q.t.data[0];
            return [dev(first ? op(p.t, c) : n.opType === 'Div' ? E.div(E.full([1], c), p.t) : op(c, p.t), p.nhwc)];
          }
        }
        const useNhwc = (a.kind === 'dev' && a.nhwc) || (b.kind === 'dev' && b.nhwc);
        if (useNhwc) return [dev(op(this.nhwc(a, n.inputs[0]).t, this.nhwc(b, n.inputs[1]).t), true)];
        return [dev(op(this.plain(a, n.inputs[0]).t, this.plain(b, n.inputs[1]).t), false)];
      }
      case 'Relu': {
        const v = need(x, 0);
        if (v.kind === 'host') return [host({ ...v.t, data: v.t.data.map((a) => Math.max(0, a)) as Float32Array })];
        return [dev(E.relu(v.t), v.nhwc)];
      }
      case 'Clip': {
        const v = need(x, 0);
        const lo = ins[1] ? this.hostInts(ins[1], 'min')[0] : floatAttr(n, 'min', -3.4028234663852886e38);
        const hi = ins[2] ? this.hostInts(ins[2], 'max')[0] : floatAttr(n, 'max', 3.4028234663852886e38);
        if (v.kind === 'host') return [host({ ...v.t, data: v.t.data.map((a) => Math.min(hi, Math.max(lo, a))) as Float32Array })];
        return [dev(E.clamp(v.t, lo, hi), v.nhwc)];
      }
      case 'PRelu': {
        const v = need(x, 0), slope = need(ins[1], 1);
        if (v.kind === 'host') throw new Error('PRelu of a constant is not supported');
        const xs = v.nhwc ? v : this.plain(v);
        const c = xs.t.shape[xs.t.rank - 1], ls = shapeOf(slope), r = shapeOf(xs).length;
        // one slope per channel (the usual [C, 1, 1] or [C] with channels last): the engine's fused prelu
        const perChannel = slope.kind === 'host' && slope.t.data.length === c && c > 1 &&
          (xs.nhwc ? ls.length <= 3 && ls[ls.length - 3] === c && ls.slice(-2).every((d) => d === 1) : r === 2 && ls[ls.length - 1] === c);
        if (perChannel) return [dev(E.prelu(xs.t, this.upload({ ...(slope as HostVal), t: { ...(slope as HostVal).t, shape: [c] } }, 'plain', 1, `${n.inputs[1]}::vec`)), xs.nhwc)];
        const s = xs.nhwc ? this.nhwc(slope, n.inputs[1]) : this.plain(slope, n.inputs[1]);
        return [dev(E.where(E.gt(xs.t, 0), xs.t, E.mul(xs.t, s.t)), xs.nhwc)];
      }
      case 'Conv': return [this.conv(n, need(x, 0))];
      case 'BatchNormalization': {
        const v = need(x, 0);
        const { scale, shift } = this.bnAffine(n);
        const r = shapeOf(v).length;
        if (v.kind === 'host') throw new Error('BatchNormalization of a constant is not supported');
        const xs = r === 4 ? this.nhwc(v) : r === 2 ? this.plain(v) : null;
        if (!xs) throw new Error(`BatchNormalization of a rank-${r} tensor is not supported (only [n, c] and [n, c, h, w])`);
        const sc = this.upload({ kind: 'host', t: { float: true, shape: [scale.length], data: scale }, static: true }, 'plain', 1, `${n.outputs[0]}::bn_scale`);
        const sh = this.upload({ kind: 'host', t: { float: true, shape: [shift.length], data: shift }, static: true }, 'plain', 1, `${n.outputs[0]}::bn_shift`);
        return [dev(E.add(E.mul(xs.t, sc), sh), xs.nhwc)];
      }
      case 'GlobalAveragePool': {
        const v = need(x, 0);
        if (shapeOf(v).length !== 4) throw new Error(`only 4-D input is supported, got [${shapeOf(v)}]`);
        return [dev(E.mean(this.nhwc(v).t, [1, 2], true), true)];
      }
      case 'AveragePool': return [this.avgPool(n, need(x, 0))];
      case 'Gemm': {
        const a = need(x, 0), b = need(ins[1], 1), c = ins[2];
        const transA = !!intAttr(n, 'transA', 0), transB = !!intAttr(n, 'transB', 0);
        const alpha = floatAttr(n, 'alpha', 1), beta = floatAttr(n, 'beta', 1);
        let y = E.matmul(this.plain(a, n.inputs[0]).t, this.plain(b, n.inputs[1]).t, { transA, transB });
        if (alpha !== 1) y = E.scale(y, alpha);
        if (c && beta !== 0) {
          const ct = this.plain(c, n.inputs[2]).t;
          y = E.add(y, beta === 1 ? ct : E.scale(ct, beta));
        }
        return [dev(y, false)];
      }
      case 'MatMul': {
        const a = need(x, 0), b = need(ins[1], 1);
        if (shapeOf(a).length < 2 || shapeOf(b).length < 2) throw new Error('MatMul with a 1-D operand is not supported');
        return [dev(E.matmul(this.plain(a, n.inputs[0]).t, this.plain(b, n.inputs[1]).t), false)];
      }
      default:
        throw new Error(`op ${n.opType} is not supported`);
    }
  }

  /** ONNX pads [top, left, bottom, right] for a 2-D window, from pads or auto_pad. */
  private pads(n: OnnxNode, h: number, w: number, kh: number, kw: number, sh: number, sw: number): number[] {
    const auto = strAttr(n, 'auto_pad', 'NOTSET');
    if (auto === 'NOTSET') return intsAttr(n, 'pads') ?? [0, 0, 0, 0];
    if (auto === 'VALID') return [0, 0, 0, 0];
    const total = (size: number, k: number, s: number) => Math.max(0, (Math.ceil(size / s) - 1) * s + k - size);
    const th = total(h, kh, sh), tw = total(w, kw, sw);
    const small = (t: number) => Math.floor(t / 2);
    return auto === 'SAME_LOWER'
      ? [th - small(th), tw - small(tw), small(th), small(tw)]
      : [small(th), small(tw), th - small(th), tw - small(tw)];
  }

  /** Zero-pads an NHWC tensor by the part of asymmetric pads beyond the symmetric minimum; returns the symmetric rest. */
  private padAsym(x: Tensor, pads: number[]): { x: Tensor; ph: number; pw: number } {
    const [t, l, b, r] = pads;
    const ph = Math.min(t, b), pw = Math.min(l, r);
    if (t === b && l === r) return { x, ph, pw };
    let y = x;
    const [n, , , c] = x.shape;
    const padH = (y0: Tensor, rows: number, before: boolean) => {
      if (!rows) return y0;
      const z = E.zeros([n, rows, y0.shape[2], c]);
      return E.concat(before ? [z, y0] : [y0, z], 1);
    };
    const padW = (y0: Tensor, cols: number, before: boolean) => {
      if (!cols) return y0;
      const z = E.zeros([n, y0.shape[1], cols, c]);
      return E.concat(before ? [z, y0] : [y0, z], 2);
    };
    y = padH(y, t - ph, true); y = padH(y, b - ph, false);
    y = padW(y, l - pw, true); y = padW(y, r - pw, false);
    return { x: y, ph, pw };
  }

  private conv(n: OnnxNode, v: Val): DevVal {
    const p = this.convs.get(n)!;
    if (shapeOf(v).length !== 4) throw new Error(`input must be 4-D [n, c, h, w], got [${shapeOf(v)}]`);
    const x = this.nhwc(v);
    const [, h, w, cin] = x.t.shape;
    if (cin !== p.weight.shape[3] * p.groups) throw new Error(`input has ${cin} channels; the weight [${p.cout}, ${p.weight.shape[3]}, ${p.kh}, ${p.kw}] with group ${p.groups} wants ${p.weight.shape[3] * p.groups}`);
    const [sh, sw] = intsAttr(n, 'strides') ?? [1, 1];
    const pads = this.pads(n, h, w, p.kh, p.kw, sh, sw);
    const { x: xp, ph, pw } = this.padAsym(x.t, pads);
    let y = E.conv2d(xp, p.weight, { stride: [sh, sw], pad: [ph, pw], groups: p.groups });
    if (p.bias) y = E.add(y, p.bias);
    return { kind: 'dev', t: y, nhwc: true };
  }

  private avgPool(n: OnnxNode, v: Val): DevVal {
    if (shapeOf(v).length !== 4) throw new Error(`input must be 4-D, got [${shapeOf(v)}]`);
    const x = this.nhwc(v);
    const [nb, h, w, c] = x.t.shape;
    const [kh, kw] = intsAttr(n, 'kernel_shape') ?? [1, 1];
    const [sh, sw] = intsAttr(n, 'strides') ?? [1, 1];
    const pads = this.pads(n, h, w, kh, kw, sh, sw);
    const { x: xp, ph, pw } = this.padAsym(x.t, pads);
    const key = `${n.outputs[0]}::avgpool_w`;
    let wt = this.devCache.get(key);
    if (!wt) { wt = E.keep(E.full([c, kh, kw, 1], 1 / (kh * kw))); this.devCache.set(key, wt); }
    let y = E.conv2d(xp, wt, { stride: [sh, sw], pad: [ph, pw], groups: c });
    const anyPad = pads.some((q) => q > 0);
    if (anyPad && !intAttr(n, 'count_include_pad', 0)) {
      // divide by the number of real (non-pad) cells each window covers instead of kh·kw
      const [, oh, ow] = y.shape;
      const [t, l] = pads;
      const fix = new Float32Array(oh * ow);
      for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
        const r0 = Math.max(0, i * sh - t), r1 = Math.min(h, i * sh - t + kh);
        const c0 = Math.max(0, j * sw - l), c1 = Math.min(w, j * sw - l + kw);
        fix[i * ow + j] = (kh * kw) / Math.max(1, (r1 - r0) * (c1 - c0));
      }
      y = E.mul(y, E.tensor(fix, [1, oh, ow, 1]));
    }
    void nb;
    return { kind: 'dev', t: y, nhwc: true };
  }

  /** Static tensors (initializers, Constant outputs) on the host, by name. */
  constants(): ReadonlyMap<string, HostTensor> { return this.statics; }
  /** The nodes as run (after Conv+BN folding). */
  graphNodes(): readonly OnnxNode[] { return this.nodes; }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.convs.values()) { p.weight.dispose(); p.bias?.dispose(); }
    for (const t of this.devCache.values()) t.dispose();
    this.devCache.clear();
  }
}

/** Loads an ONNX model from its bytes onto the current engine. */
export function loadOnnx(bytes: Uint8Array, opts: OnnxLoadOptions = {}): OnnxRunner {
  return new OnnxRunner(bytes, opts);
}

export type { OnnxValueInfo, OnnxAttribute };
