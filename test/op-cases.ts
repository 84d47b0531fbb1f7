// The op test table: each case builds its inputs from a seed and runs an op (or a small composition).
// The same table drives the f64 finite-difference gradient checks, the backend-vs-reference checks and
// the browser test.
import * as E from '../engine/index';
import type { Tensor } from '../engine/index';
import { marginLogits, marginPreset } from '../model/margin';

/** 'f32': values in ±[0.05, 1]; 'pos': (0.2, 2); 'unit': ±[0.05, 0.9]; 'idx': i32 in [0, max); 'distinct': well-separated. */
export interface InputSpec { shape: number[]; kind?: 'f32' | 'pos' | 'unit' | 'idx' | 'distinct'; max?: number }

export interface OpCase {
  name: string;
  inputs: InputSpec[];
  run: (xs: Tensor[]) => Tensor;
  /** Skip the gradient checks (ops without gradients). */
  noGrad?: boolean;
  /** Relative tolerance of the f32 backends against the f64 reference. */
  rtol?: number;
}

const s = (shape: number[], kind: InputSpec['kind'] = 'f32', max?: number): InputSpec => ({ shape, kind, max });

export const OP_CASES: OpCase[] = [
  // unary
  { name: 'neg', inputs: [s([3, 5])], run: ([x]) => E.neg(x) },
  { name: 'exp', inputs: [s([7])], run: ([x]) => E.exp(x) },
  { name: 'log', inputs: [s([2, 9], 'pos')], run: ([x]) => E.log(x) },
  { name: 'sqrt', inputs: [s([11], 'pos')], run: ([x]) => E.sqrt(x) },
  { name: 'rsqrt', inputs: [s([11], 'pos')], run: ([x]) => E.rsqrt(x) },
  { name: 'abs', inputs: [s([13])], run: ([x]) => E.abs(x) },
  { name: 'relu', inputs: [s([4, 6])], run: ([x]) => E.relu(x) },
  { name: 'square', inputs: [s([9])], run: ([x]) => E.square(x) },
  { name: 'recip', inputs: [s([9], 'pos')], run: ([x]) => E.recip(x) },
  { name: 'sin', inputs: [s([9])], run: ([x]) => E.sin(x) },
  { name: 'cos', inputs: [s([9])], run: ([x]) => E.cos(x) },
  { name: 'acos', inputs: [s([9], 'unit')], run: ([x]) => E.acos(x), rtol: 1e-4 },
  { name: 'tanh', inputs: [s([9])], run: ([x]) => E.tanh(x) },
  { name: 'sigmoid', inputs: [s([9])], run: ([x]) => E.sigmoid(x) },
  { name: 'clamp', inputs: [s([17])], run: ([x]) => E.clamp(x, -0.5, 0.5) },
  { name: 'affine', inputs: [s([17])], run: ([x]) => E.affine(x, 2.5, -1) },
  { name: 'powc', inputs: [s([17], 'pos')], run: ([x]) => E.powc(x, 1.7), rtol: 1e-4 },
  // binary, broadcasting
  { name: 'add broadcast', inputs: [s([3, 4]), s([4])], run: ([a, b]) => E.add(a, b) },
  { name: 'sub broadcast', inputs: [s([2, 3, 4]), s([3, 1])], run: ([a, b]) => E.sub(a, b) },
  { name: 'mul outer', inputs: [s([5, 1]), s([1, 6])], run: ([a, b]) => E.mul(a, b) },
  { name: 'div', inputs: [s([4, 5]), s([5], 'pos')], run: ([a, b]) => E.div(a, b), rtol: 1e-4 },
  { name: 'maximum', inputs: [s([3, 7], 'distinct'), s([7], 'distinct')], run: ([a, b]) => E.maximum(a, b) },
  { name: 'minimum', inputs: [s([3, 7], 'distinct'), s([3, 7], 'distinct')], run: ([a, b]) => E.minimum(a, b) },
  { name: 'pow', inputs: [s([2, 5], 'pos'), s([5])], run: ([a, b]) => E.pow(a, b), rtol: 1e-4 },
  { name: 'scalar ops', inputs: [s([6])], run: ([a]) => E.div(E.sub(E.mul(E.add(a, 1), 3), 0.5), 2) },
  { name: 'rank-6 broadcast', inputs: [s([2, 1, 3, 1, 2, 3]), s([1, 2, 1, 2, 1, 3])], run: ([a, b]) => E.mul(a, b) },
  { name: 'comparisons', inputs: [s([4, 5], 'distinct'), s([5], 'distinct')], noGrad: true,
    run: ([a, b]) => E.add(E.add(E.gt(a, b), E.scale(E.le(a, b), 2)), E.add(E.scale(E.eq(a, a), 4), E.ne(a, b))) },
  { name: 'where', inputs: [s([3, 4]), s([3, 4]), s([4])], run: ([c, a, b]) => E.where(E.gt(c, 0), a, b) },
  // matmul
  { name: 'matmul', inputs: [s([5, 7]), s([7, 3])], run: ([a, b]) => E.matmul(a, b) },
  { name: 'matmul transA', inputs: [s([7, 5]), s([7, 3])], run: ([a, b]) => E.matmul(a, b, { transA: true }) },
  { name: 'matmul transB', inputs: [s([5, 7]), s([3, 7])], run: ([a, b]) => E.matmul(a, b, { transB: true }) },
  { name: 'matmul both', inputs: [s([7, 5]), s([3, 7])], run: ([a, b]) => E.matmul(a, b, { transA: true, transB: true }) },
  { name: 'matmul batched', inputs: [s([2, 5, 7]), s([2, 7, 3])], run: ([a, b]) => E.matmul(a, b) },
  { name: 'matmul broadcast', inputs: [s([3, 4, 6]), s([6, 5])], run: ([a, b]) => E.matmul(a, b) },
  { name: 'matmul vector-ish', inputs: [s([1, 9]), s([9, 1])], run: ([a, b]) => E.matmul(a, b) },
  { name: 'matmul odd', inputs: [s([33, 17]), s([13, 17])], run: ([a, b]) => E.matmul(a, b, { transB: true }), rtol: 1e-4 },
  // reductions
  { name: 'sum all', inputs: [s([3, 4, 5])], run: ([x]) => E.sum(x) },
  { name: 'sum axis 0', inputs: [s([6, 5])], run: ([x]) => E.sum(x, 0) },
  { name: 'sum axes 0,2 keep', inputs: [s([3, 4, 5])], run: ([x]) => E.sum(x, [0, 2], true) },
  { name: 'mean last', inputs: [s([4, 9])], run: ([x]) => E.mean(x, -1) },
  { name: 'max axis 1', inputs: [s([4, 9], 'distinct')], run: ([x]) => E.max(x, 1) },
  { name: 'min axis 0', inputs: [s([4, 9], 'distinct')], run: ([x]) => E.min(x, 0) },
  { name: 'sum long axis', inputs: [s([1000, 3])], run: ([x]) => E.sum(x, 0), rtol: 1e-4 },
  // layout
  { name: 'reshape', inputs: [s([4, 6])], run: ([x]) => E.mul(E.reshape(x, [2, -1, 3]), 2) },
  { name: 'transpose', inputs: [s([2, 3, 4])], run: ([x]) => E.transpose(x, [2, 0, 1]) },
  { name: 'slice', inputs: [s([5, 6])], run: ([x]) => E.slice(x, [1, 2], [3, -1]) },
  { name: 'concat', inputs: [s([2, 3]), s([2, 5])], run: ([a, b]) => E.concat([a, b], 1) },
  { name: 'expand', inputs: [s([3, 1])], run: ([x]) => E.expand(x, [2, 3, 4]) },
  // indexing
  { name: 'gatherRows', inputs: [s([6, 4]), s([9], 'idx', 6)], run: ([t, i]) => E.gatherRows(t, i) },
  { name: 'scatterAddRows', inputs: [s([5, 3]), s([7], 'idx', 5), s([7, 3])], run: ([b, i, x]) => E.scatterAddRows(b, i, x) },
  { name: 'takeAlongLast', inputs: [s([4, 7]), s([4, 3], 'idx', 7)], run: ([x, i]) => E.takeAlongLast(x, i) },
  { name: 'addAlongLast', inputs: [s([4, 7]), s([4, 2], 'idx', 7), s([4, 2])], run: ([x, i, v]) => E.addAlongLast(x, i, v) },
  { name: 'topk', inputs: [s([5, 11], 'distinct')], run: ([x]) => E.topk(x, 4).values },
  // conv2d (NHWC, OHWI)
  { name: 'conv 3x3 s1 p1', inputs: [s([2, 5, 6, 3]), s([4, 3, 3, 3])], run: ([x, w]) => E.conv2d(x, w, { pad: 1 }), rtol: 1e-4 },
  { name: 'conv 3x3 s2 p1', inputs: [s([1, 7, 7, 3]), s([5, 3, 3, 3])], run: ([x, w]) => E.conv2d(x, w, { stride: 2, pad: 1 }), rtol: 1e-4 },
  { name: 'conv depthwise', inputs: [s([2, 6, 5, 4]), s([4, 3, 3, 1])], run: ([x, w]) => E.conv2d(x, w, { pad: 1, groups: 4 }), rtol: 1e-4 },
  { name: 'conv depthwise s2', inputs: [s([1, 7, 6, 8]), s([8, 3, 3, 1])], run: ([x, w]) => E.conv2d(x, w, { stride: 2, pad: 1, groups: 8 }), rtol: 1e-4 },
  { name: 'conv grouped', inputs: [s([1, 4, 4, 4]), s([6, 3, 3, 2])], run: ([x, w]) => E.conv2d(x, w, { pad: 1, groups: 2 }), rtol: 1e-4 },
  { name: 'conv 1x1', inputs: [s([2, 3, 3, 5]), s([4, 1, 1, 5])], run: ([x, w]) => E.conv2d(x, w), rtol: 1e-4 },
  { name: 'conv 4x4 valid', inputs: [s([1, 5, 6, 2]), s([3, 4, 4, 2])], run: ([x, w]) => E.conv2d(x, w), rtol: 1e-4 },
  // nn
  { name: 'logSoftmax', inputs: [s([3, 7])], run: ([x]) => E.logSoftmax(x) },
  { name: 'crossEntropy', inputs: [s([4, 6]), s([4], 'idx', 6)], run: ([x, y]) => E.crossEntropy(x, y) },
  { name: 'l2Normalize', inputs: [s([3, 5])], run: ([x]) => E.l2Normalize(x) },
  { name: 'prelu', inputs: [s([2, 3, 4]), s([4])], run: ([x, a]) => E.prelu(x, a) },
  { name: 'globalAvgPool', inputs: [s([2, 3, 3, 4])], run: ([x]) => E.globalAvgPool(x) },
  {
    name: 'batchNorm train', inputs: [s([3, 2, 2, 4]), s([4]), s([4])], rtol: 1e-4,
    run: ([x, g, b]) => E.batchNorm(x, { gamma: g, beta: b, runningMean: E.zeros([4]), runningVar: E.ones([4]) }, true),
  },
  {
    name: 'batchNorm eval', inputs: [s([3, 4]), s([4]), s([4])],
    run: ([x, g, b]) => E.batchNorm(x, {
      gamma: g, beta: b, runningMean: E.tensor([0.1, -0.2, 0.3, 0.05], [4]), runningVar: E.tensor([0.5, 1.5, 0.8, 2], [4]),
    }, false),
  },
  // wider per-channel cases: channel counts that are not multiples of 4, more rows, an offset mean
  { name: 'prelu wide', inputs: [s([3, 7, 17]), s([17])], run: ([x, a]) => E.prelu(x, a) },
  { name: 'prelu 64 channels', inputs: [s([5, 64]), s([64])], run: ([x, a]) => E.prelu(x, a) },
  {
    name: 'batchNorm train wide', inputs: [s([4, 5, 3, 17]), s([17]), s([17])], rtol: 1e-4,
    run: ([x, g, b]) => E.batchNorm(x, { gamma: g, beta: b, runningMean: E.zeros([17]), runningVar: E.ones([17]) }, true),
  },
  {
    name: 'batchNorm train 64 channels, offset mean', inputs: [s([2, 3, 3, 64], 'pos'), s([64]), s([64])], rtol: 1e-4,
    run: ([x, g, b]) => E.batchNorm(E.add(x, 3), { gamma: g, beta: b, runningMean: E.zeros([64]), runningVar: E.ones([64]) }, true),
  },
  {
    name: 'batchNorm train running stats', inputs: [s([6, 5, 3])], noGrad: true, rtol: 1e-4,
    run: ([x]) => {
      const st = { gamma: E.ones([3]), beta: E.zeros([3]), runningMean: E.full([3], 0.5), runningVar: E.full([3], 2) };
      E.batchNorm(x, st, true, 0.25);
      return E.concat([st.runningMean, st.runningVar], 0);
    },
  },
  {
    name: 'batchNorm eval wide', inputs: [s([2, 9, 5]), s([5]), s([5])],
    run: ([x, g, b]) => E.batchNorm(x, {
      gamma: g, beta: b, runningMean: E.tensor([0.1, -0.2, 0.3, 0.05, 1.5], [5]), runningVar: E.tensor([0.5, 1.5, 0.8, 2, 0.1], [5]),
    }, false),
  },
  // margin heads on cosines (inputs in (-0.9, 0.9); row 2 has no target)
  ...(['arc', 'cos', 'sphere', 'combined'] as const).map((kind): OpCase => ({
    name: `margin ${kind}`, inputs: [s([3, 5], 'unit')], rtol: 1e-4,
    run: ([cos]) => marginLogits(cos, E.tensor([1, 4, -1], [3, 1], 'i32'), marginPreset(kind, { s: 8 })),
  })),
  {
    name: 'margin arc beyond pi', inputs: [s([2, 3], 'unit')], rtol: 1e-4,
    run: ([c]) => marginLogits(E.affine(c, 0.05, -0.93), E.tensor([0, 2], [2, 1], 'i32'), marginPreset('arc', { s: 4 })),
  },
];

/** Deterministic input values for a case. */
export function makeInputs(c: OpCase, seed: number): Float64Array[] {
  const rng = new E.Rng(seed);
  return c.inputs.map((spec) => {
    const n = spec.shape.reduce((p, d) => p * d, 1);
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const u = rng.next(), sgn = rng.next() < 0.5 ? -1 : 1;
      switch (spec.kind ?? 'f32') {
        case 'pos': a[i] = 0.2 + 1.8 * u; break;
        case 'unit': a[i] = sgn * (0.05 + 0.85 * u); break;
        case 'idx': a[i] = Math.floor(u * (spec.max ?? 1)); break;
        case 'distinct': a[i] = sgn * (0.05 + 0.95 * u); break;
        default: a[i] = sgn * (0.05 + 0.95 * u);
      }
    }
    if (spec.kind === 'distinct') {
      // spread values so that no two are within 1e-3 (max/min/topk/compare gradients are then well defined)
      const order = Array.from(a.keys()).sort((p, q) => a[p] - a[q]);
      order.forEach((k, r) => { a[k] = -1 + (2 * (r + 0.5)) / n + (rng.next() - 0.5) * (0.5 / n); });
    }
    // round to f32 so the reference and f32 backends see the same inputs
    return Float64Array.from(Float32Array.from(a));
  });
}
