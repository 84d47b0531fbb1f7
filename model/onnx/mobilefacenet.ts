// MobileFaceNet ↔ ONNX: export this project's MobileFaceNet as an ONNX embedding model, and load an
// ONNX graph with the same layer sequence back into a MobileFaceNet (for fine-tuning). The layer plan
// below mirrors model/mobilefacenet.ts (same channel rounding, strides and state-dict names).
import * as E from '../../engine/index';
import { BOTTLENECKS, MobileFaceNet, type MobileFaceNetOptions } from '../mobilefacenet';
import type { Activation } from '../layers';
import { decodeModel, DataType, encodeModel, floatTensor, type NodeSpec, type OnnxNode, type OnnxTensor } from './schema';
import { decodeTensor, hostTranspose, type ExternalReader, type HostTensor } from './host';

const BN_EPS = 1e-5; // the engine's batchNorm epsilon

export interface PlanLayer {
  prefix: string;
  cin: number; cout: number; k: number; stride: number; pad: number; groups: number;
  act: Activation;
  /** Set on a block's project layer: the input of the block (to add back). */
  residualFrom?: string;
  /** Set on a block's expand layer: this layer starts a block. */
  blockStart?: boolean;
}

/** The conv layers of a MobileFaceNet in forward order (as model/mobilefacenet.ts builds them). */
export function mobileFaceNetPlan(o: Required<Omit<MobileFaceNetOptions, 'seed'>>): PlanLayer[] {
  const ch = (c: number) => Math.max(8, Math.round((c * o.width) / 8) * 8);
  const act = o.activation;
  const c64 = ch(64);
  const out: PlanLayer[] = [
    { prefix: 'stem', cin: 3, cout: c64, k: 3, stride: 2, pad: 1, groups: 1, act },
    { prefix: 'stem_dw', cin: c64, cout: c64, k: 3, stride: 1, pad: 1, groups: c64, act },
  ];
  let cin = c64, b = 0;
  for (const [t, c, n, s] of BOTTLENECKS) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1, hidden = cin * t, cout = ch(c);
      const p = `blocks.${b++}`;
      out.push({ prefix: `${p}.expand`, cin, cout: hidden, k: 1, stride: 1, pad: 0, groups: 1, act, blockStart: true });
      out.push({ prefix: `${p}.dw`, cin: hidden, cout: hidden, k: 3, stride, pad: 1, groups: hidden, act });
      out.push({ prefix: `${p}.project`, cin: hidden, cout, k: 1, stride: 1, pad: 0, groups: 1, act: 'none',
        residualFrom: stride === 1 && cin === cout ? p : undefined });
      cin = cout;
    }
  }
  const c512 = ch(512);
  out.push({ prefix: 'conv_last', cin, cout: c512, k: 1, stride: 1, pad: 0, groups: 1, act });
  out.push({ prefix: 'gdc', cin: c512, cout: c512, k: o.inputSize / 16, stride: 1, pad: 0, groups: c512, act: 'none' });
  out.push({ prefix: 'embedding', cin: c512, cout: o.embedding, k: 1, stride: 1, pad: 0, groups: 1, act: 'none' });
  return out;
}

// ---- export -----------------------------------------------------------------------------------------

export interface ExportOptions {
  /** Default-domain opset to declare (13–21; default 13). */
  opset?: number;
  /** Fold BN into the conv weights and biases (default true); false keeps BatchNormalization nodes. */
  foldBatchNorm?: boolean;
  /** Batch dimension: a symbolic name (default 'batch') or a fixed number. */
  batch?: string | number;
  /** Extra metadata_props. */
  metadata?: Record<string, string>;
}

type StateMap = Map<string, { shape: number[]; data: ArrayLike<number> }>;

/** Exports a MobileFaceNet (its current weights) as ONNX bytes: input 'input' NCHW, output 'embedding'. */
export async function exportOnnx(net: MobileFaceNet, opts: ExportOptions = {}): Promise<Uint8Array> {
  return exportOnnxFromState(await net.saveState(), net.options, opts);
}

/** exportOnnx from a host state dict (e.g. a model.safetensors) and the model options. */
export function exportOnnxFromState(state: StateMap, options: MobileFaceNetOptions, opts: ExportOptions = {}): Uint8Array {
  const o = { inputSize: options.inputSize ?? 112, width: options.width ?? 1, embedding: options.embedding ?? 128, activation: options.activation ?? 'prelu' };
  const opset = opts.opset ?? 13;
  if (opset < 13 || opset > 21) throw new Error(`exportOnnx: opset ${opset} is not supported (13–21)`);
  const fold = opts.foldBatchNorm ?? true;
  const get = (name: string) => {
    const t = state.get(name);
    if (!t) throw new Error(`exportOnnx: the state dict has no '${name}' (is it a MobileFaceNet with options ${JSON.stringify(o)}?)`);
    return t;
  };
  const nodes: NodeSpec[] = [];
  const inits: OnnxTensor[] = [];
  const f32 = (name: string, dims: number[], data: ArrayLike<number>) => { inits.push(floatTensor(name, dims, Float32Array.from(data))); return name; };
  let relu6Consts = false;
  let cur = 'input';
  const blockInput = new Map<string, string>();
  for (const L of mobileFaceNetPlan(o)) {
    if (L.blockStart) blockInput.set(L.prefix.replace(/\.expand$/, ''), cur);
    const w = get(`${L.prefix}.conv.weight`);
    const [cout, kh, kw, cinG] = w.shape;
    if (cout !== L.cout || kh !== L.k || cinG !== L.cin / L.groups) {
      throw new Error(`exportOnnx: '${L.prefix}.conv.weight' is [${w.shape}], expected [${L.cout},${L.k},${L.k},${L.cin / L.groups}]`);
    }
    const oihw = hostTranspose({ float: true, shape: [...w.shape], data: Float32Array.from(w.data) }, [0, 3, 1, 2]).data as Float32Array;
    const gamma = get(`${L.prefix}.bn.weight`).data, beta = get(`${L.prefix}.bn.bias`).data;
    const mean = get(`${L.prefix}.bn.running_mean`).data, variance = get(`${L.prefix}.bn.running_var`).data;
    const convAttrs = { dilations: [1, 1], group: L.groups, kernel_shape: [kh, kw], pads: [L.pad, L.pad, L.pad, L.pad], strides: [L.stride, L.stride] };
    const convOut = `${L.prefix}.conv`;
    if (fold) {
      const per = oihw.length / cout;
      const wf = new Float32Array(oihw.length), bf = new Float32Array(cout);
      for (let c = 0; c < cout; c++) {
        const s = gamma[c] / Math.sqrt(variance[c] + BN_EPS);
        for (let i = 0; i < per; i++) wf[c * per + i] = oihw[c * per + i] * s;
        bf[c] = beta[c] - mean[c] * s;
      }
      nodes.push({ op: 'Conv', name: `${L.prefix}/Conv`, inputs: [cur, f32(`${L.prefix}.weight`, [cout, cinG, kh, kw], wf), f32(`${L.prefix}.bias`, [cout], bf)], outputs: [convOut], attrs: convAttrs });
      cur = convOut;
    } else {
      nodes.push({ op: 'Conv', name: `${L.prefix}/Conv`, inputs: [cur, f32(`${L.prefix}.conv.weight`, [cout, cinG, kh, kw], oihw)], outputs: [convOut], attrs: convAttrs });
      const bnOut = `${L.prefix}.bn`;
      nodes.push({
        op: 'BatchNormalization', name: `${L.prefix}/BatchNormalization`,
        inputs: [convOut, f32(`${L.prefix}.bn.weight`, [cout], gamma), f32(`${L.prefix}.bn.bias`, [cout], beta),
          f32(`${L.prefix}.bn.running_mean`, [cout], mean), f32(`${L.prefix}.bn.running_var`, [cout], variance)],
        outputs: [bnOut], attrs: { epsilon: { float: BN_EPS } },
      });
      cur = bnOut;
    }
    const actOut = `${L.prefix}.act`;
    if (L.act === 'prelu') {
      const a = get(`${L.prefix}.act.weight`);
      nodes.push({ op: 'PRelu', name: `${L.prefix}/PRelu`, inputs: [cur, f32(`${L.prefix}.act.weight`, [cout, 1, 1], a.data)], outputs: [actOut] });
      cur = actOut;
    } else if (L.act === 'relu') {
      nodes.push({ op: 'Relu', name: `${L.prefix}/Relu`, inputs: [cur], outputs: [actOut] });
      cur = actOut;
    } else if (L.act === 'relu6') {
      if (!relu6Consts) { f32('relu6_min', [], [0]); f32('relu6_max', [], [6]); relu6Consts = true; }
      nodes.push({ op: 'Clip', name: `${L.prefix}/Clip`, inputs: [cur, 'relu6_min', 'relu6_max'], outputs: [actOut] });
      cur = actOut;
    }
    if (L.residualFrom) {
      const sum = `${L.residualFrom}.add`;
      nodes.push({ op: 'Add', name: `${L.residualFrom}/Add`, inputs: [blockInput.get(L.residualFrom)!, cur], outputs: [sum] });
      cur = sum;
    }
  }
  nodes.push({ op: 'Flatten', name: 'Flatten', inputs: [cur], outputs: ['embedding'], attrs: { axis: 1 } });
  const batch = opts.batch ?? 'batch';
  return encodeModel({
    opset, irVersion: opset >= 21 ? 10 : opset >= 19 ? 9 : 8, // the IR version each opset came with
    producer: 'ffc-webgpu', graphName: 'mobilefacenet', nodes, initializers: inits,
    inputs: [{ name: 'input', dims: [batch, 3, o.inputSize, o.inputSize] }],
    outputs: [{ name: 'embedding', dims: [batch, o.embedding] }],
    metadata: {
      'ffc.model': 'mobilefacenet', 'ffc.options': JSON.stringify(o),
      'ffc.preprocess': 'RGB, NCHW, (x - 127.5) / 128', ...opts.metadata,
    },
  });
}

// ---- import into MobileFaceNet --------------------------------------------------------------------

interface ConvInfo {
  node: OnnxNode; w: HostTensor; b: HostTensor | null;
  bn: { gamma: ArrayLike<number>; beta: ArrayLike<number>; mean: ArrayLike<number>; variance: ArrayLike<number>; eps: number } | null;
  act: Activation; slope: HostTensor | null;
  stride: number; pad: number; groups: number;
}

/**
 * Builds a MobileFaceNet from an ONNX graph whose conv layers follow this project's MobileFaceNet
 * (e.g. one exported by exportOnnx, BN kept or folded). Folded BN becomes identity BN (gamma 1,
 * beta = conv bias, mean 0, var = 1 − eps); Clip(0, 6) maps to 'relu6'. Throws naming the first
 * layer that does not fit.
 */
export function loadOnnxIntoMobileFaceNet(bytes: Uint8Array, opts: { source?: string; readExternal?: ExternalReader; seed?: number } = {}): MobileFaceNet {
  const src = opts.source ?? 'ONNX model';
  const m = decodeModel(bytes, src);
  const g = m.graph;
  const statics = new Map<string, HostTensor>();
  for (const t of g.initializers) statics.set(t.name, decodeTensor(t, src, opts.readExternal));
  for (const n of g.nodes) if (n.opType === 'Constant' && n.attributes.get('value')?.t) statics.set(n.outputs[0], decodeTensor(n.attributes.get('value')!.t!, src));
  const consumers = (name: string) => g.nodes.filter((n) => n.inputs.includes(name));
  const notMfn = (why: string) => new Error(`${src}: not a MobileFaceNet of this project's layout (${why}); it can still be run with loadOnnx, but not loaded for fine-tuning`);

  const convs: ConvInfo[] = [];
  for (const n of g.nodes.filter((x) => x.opType === 'Conv')) {
    const w = statics.get(n.inputs[1]);
    if (!w) throw notMfn(`Conv '${n.name}' has a non-constant weight`);
    const pads = n.attributes.get('pads')?.ints ?? [0, 0, 0, 0];
    if (pads.some((p) => p !== pads[0])) throw notMfn(`Conv '${n.name}' has asymmetric pads [${pads}]`);
    const strides = n.attributes.get('strides')?.ints ?? [1, 1];
    const info: ConvInfo = {
      node: n, w, b: n.inputs[2] ? statics.get(n.inputs[2]) ?? null : null, bn: null, act: 'none', slope: null,
      stride: strides[0], pad: pads[0], groups: n.attributes.get('group')?.i ?? 1,
    };
    let out = n.outputs[0];
    let next = consumers(out);
    if (next.length === 1 && next[0].opType === 'BatchNormalization') {
      const bn = next[0];
      const [gamma, beta, mean, variance] = bn.inputs.slice(1, 5).map((i) => statics.get(i)?.data);
      if (!gamma || !beta || !mean || !variance) throw notMfn(`BatchNormalization '${bn.name}' has non-constant parameters`);
      info.bn = { gamma, beta, mean, variance, eps: bn.attributes.get('epsilon')?.f ?? 1e-5 };
      out = bn.outputs[0];
      next = consumers(out);
    }
    const a = next.length === 1 ? next[0] : next.find((x) => x.opType === 'PRelu' || x.opType === 'Relu' || x.opType === 'Clip');
    if (a?.opType === 'PRelu') { info.act = 'prelu'; info.slope = statics.get(a.inputs[1]) ?? null; if (!info.slope) throw notMfn(`PRelu '${a.name}' has a non-constant slope`); }
    else if (a?.opType === 'Relu') info.act = 'relu';
    else if (a?.opType === 'Clip') {
      const lo = a.inputs[1] ? statics.get(a.inputs[1])?.data[0] : a.attributes.get('min')?.f;
      const hi = a.inputs[2] ? statics.get(a.inputs[2])?.data[0] : a.attributes.get('max')?.f;
      if (lo !== 0 || hi !== 6) throw notMfn(`Clip '${a.name}' is Clip(${lo}, ${hi}), not ReLU6`);
      info.act = 'relu6';
    }
    convs.push(info);
  }
  if (convs.length < 3) throw notMfn(`${convs.length} Conv nodes`);

  // options from the graph
  const input = g.inputs.find((i) => !statics.has(i.name));
  const inputSize = typeof input?.dims?.[2] === 'number' ? (input.dims[2] as number) : 112;
  const width = convs[0].w.shape[0] / 64;
  const embedding = convs[convs.length - 1].w.shape[0];
  const acts = [...new Set(convs.map((c) => c.act).filter((a) => a !== 'none'))];
  if (acts.length !== 1) throw notMfn(`activations ${acts.length ? acts.join(' and ') : 'none'}; MobileFaceNet uses one kind`);
  const activation = acts[0];
  const o = { inputSize, width, embedding, activation };
  const plan = mobileFaceNetPlan(o);
  if (plan.length !== convs.length) throw notMfn(`${convs.length} Conv layers where a MobileFaceNet(width ${width}) has ${plan.length}`);
  const adds = g.nodes.filter((n) => n.opType === 'Add').length, residuals = plan.filter((L) => L.residualFrom).length;
  if (adds !== residuals) throw notMfn(`${adds} Add nodes where a MobileFaceNet(width ${width}) has ${residuals} residual connections`);
  const state = new Map<string, E.NamedArray>();
  plan.forEach((L, i) => {
    const c = convs[i];
    const [cout, cinG, kh, kw] = c.w.shape;
    if (cout !== L.cout || cinG !== L.cin / L.groups || kh !== L.k || kw !== L.k || c.stride !== L.stride || c.pad !== L.pad || c.groups !== L.groups) {
      throw notMfn(`Conv '${c.node.name}' is [${c.w.shape}] stride ${c.stride} pad ${c.pad} group ${c.groups}; layer '${L.prefix}' should be [${L.cout},${L.cin / L.groups},${L.k},${L.k}] stride ${L.stride} pad ${L.pad} group ${L.groups}`);
    }
    if (c.act !== L.act) throw notMfn(`Conv '${c.node.name}' is followed by ${c.act}; layer '${L.prefix}' has ${L.act}`);
    const f = (shape: number[], data: ArrayLike<number>): E.NamedArray => ({ dtype: 'f32', shape, data: Float32Array.from(data) });
    state.set(`${L.prefix}.conv.weight`, f([cout, kh, kw, cinG], hostTranspose(c.w, [0, 2, 3, 1]).data));
    const bias = c.b?.data ?? new Float32Array(cout);
    if (c.bn) {
      // y = gamma (conv + b − mean) / sqrt(var + eps) + beta: fold the conv bias into the mean and the eps into the variance
      state.set(`${L.prefix}.bn.weight`, f([cout], c.bn.gamma));
      state.set(`${L.prefix}.bn.bias`, f([cout], c.bn.beta));
      state.set(`${L.prefix}.bn.running_mean`, f([cout], Array.from(c.bn.mean, (v, k) => v - bias[k])));
      state.set(`${L.prefix}.bn.running_var`, f([cout], Array.from(c.bn.variance, (v) => v + c.bn!.eps - BN_EPS)));
    } else {
      state.set(`${L.prefix}.bn.weight`, f([cout], new Float32Array(cout).fill(1)));
      state.set(`${L.prefix}.bn.bias`, f([cout], bias));
      state.set(`${L.prefix}.bn.running_mean`, f([cout], new Float32Array(cout)));
      state.set(`${L.prefix}.bn.running_var`, f([cout], new Float32Array(cout).fill(1 - BN_EPS)));
    }
    if (L.act === 'prelu') {
      if (c.slope!.data.length !== cout) throw notMfn(`PRelu after '${c.node.name}' has ${c.slope!.data.length} slopes for ${cout} channels`);
      state.set(`${L.prefix}.act.weight`, f([cout], c.slope!.data));
    }
  });
  const net = new MobileFaceNet({ ...o, seed: opts.seed });
  net.loadState(state, src);
  net.eval();
  return net;
}

export { DataType };
