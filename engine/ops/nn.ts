// Neural-network building blocks composed from the primitive ops (their gradients follow), plus the
// fused log-softmax kernel.
import type { DType } from '../kernels';
import { engine } from '../engine';
import { Tensor } from '../tensor';
import { apply, noGrad, type Op } from '../autograd';
import { tidy } from '../scope';
import { empty, full } from '../create';
import { fmt, ShapeError } from '../shape';
import { add, exp, mul, rsqrt, scale, square, sub } from './elementwise';
import { reshape } from './layout';
import { mean, sum } from './reduce';
import { takeAlongLast } from './indexing';

// ---- fused per-channel kernels over [rows, channels] (channels last) -------------------------------

const rowsOf = (x: Tensor) => { const c = x.shape[x.rank - 1]; return { rows: c > 0 ? x.size / c : 0, channels: c }; };

/** [Σ_r (a − centerA), Σ_r (a − centerA)(b − centerB)] per channel (kernel channelSums), each [channels]. */
function channelSums(a: Tensor, b: Tensor, centerA: Tensor, centerB: Tensor): [Tensor, Tensor] {
  const { rows, channels } = rowsOf(a);
  const sumA = empty([channels]), sumAB = empty([channels]);
  engine().run('channelSums', {
    a: a.buffer, b: b.buffer, centerA: centerA.buffer, centerB: centerB.buffer, sumA: sumA.buffer, sumAB: sumAB.buffer, rows, channels,
  }, `channelSums ${fmt(a.shape)}`);
  return [sumA, sumAB];
}

/** a · s1 + b · s2 + s3 per channel (kernel channelAffine); b and s2 may be null (left out). */
function channelAffine(a: Tensor, s1: Tensor, s3: Tensor, b: Tensor | null = null, s2: Tensor | null = null): Tensor {
  const { rows, channels } = rowsOf(a);
  const out = empty(a.shape);
  if (out.size > 0) {
    engine().run('channelAffine', {
      a: a.buffer, b: (b ?? a).buffer, hasB: b !== null, s1: s1.buffer, s2: (s2 ?? s1).buffer, s3: s3.buffer, out: out.buffer, rows, channels,
    }, `channelAffine ${fmt(a.shape)}${b ? ' +b' : ''}`);
  }
  return out;
}

/** y = x · s1 + s3 per channel (s1, s3 [channels]), with gradients for all three. */
const CHANNEL_AFFINE: Op<undefined> = {
  name: 'channelAffine',
  forward: ([x, s1, s3]) => channelAffine(x, s1, s3),
  backward(g, { inputs: [x, s1], needsGrad }) {
    const c = s1.shape[0];
    const zero = full([c], 0);
    const [ds3, ds1] = needsGrad[1] || needsGrad[2] ? channelSums(g, x, zero, zero) : [null, null];
    return [needsGrad[0] ? channelAffine(g, s1, zero) : null, needsGrad[1] ? ds1 : null, needsGrad[2] ? ds3 : null];
  },
};

// ---- activations ----------------------------------------------------------------------------------

const PRELU: Op<undefined> = {
  name: 'prelu',
  // fused: only x and alpha are kept for backward (not the mask and products a composition would keep)
  forward([x, alpha]) {
    const { rows, channels } = rowsOf(x);
    const out = empty(x.shape);
    if (out.size > 0) engine().run('prelu', { x: x.buffer, alpha: alpha.buffer, out: out.buffer, rows, channels }, `prelu ${fmt(x.shape)}`);
    return out;
  },
  backward(g, { inputs: [x, alpha] }) {
    const { rows, channels } = rowsOf(x);
    const dx = empty(x.shape), dalpha = empty([channels]);
    engine().run('preluBackward', {
      x: x.buffer, alpha: alpha.buffer, dy: g.buffer, dx: dx.buffer, dalpha: dalpha.buffer, rows, channels,
    }, `preluBackward ${fmt(x.shape)}`);
    return [dx, dalpha];
  },
};

/** PReLU with one slope per channel (the last axis): x > 0 ? x : alpha · x. */
export function prelu(x: Tensor, alpha: Tensor): Tensor {
  if (alpha.rank !== 1 || alpha.shape[0] !== x.shape[x.rank - 1]) {
    throw new ShapeError('prelu', `alpha ${fmt(alpha.shape)} must have one slope per channel of ${fmt(x.shape)} (last axis)`);
  }
  return apply(PRELU, [x, alpha], undefined);
}

// ---- softmax family -------------------------------------------------------------------------------

const LOG_SOFTMAX: Op<undefined> = {
  name: 'logSoftmax',
  savesOutput: true,
  forward([x]) {
    const cols = x.shape[x.rank - 1], rows = x.size / cols;
    const out = empty(x.shape);
    if (out.size > 0) engine().run('logSoftmax', { x: x.buffer, out: out.buffer, rows, cols }, `logSoftmax ${fmt(x.shape)}`);
    return out;
  },
  backward: (g, { output }) => [sub(g, mul(exp(output), sum(g, -1, true)))],
};

/** log(softmax(x)) along the last axis. */
export function logSoftmax(x: Tensor): Tensor {
  if (x.dtype !== 'f32' || x.rank < 1) throw new ShapeError('logSoftmax', `expects f32 of rank >= 1, got ${x.dtype} ${fmt(x.shape)}`);
  return apply(LOG_SOFTMAX, [x], undefined);
}

/** Mean softmax cross-entropy of logits [n, classes] against i32 labels [n]. */
export function crossEntropy(logits: Tensor, labels: Tensor): Tensor {
  if (logits.rank !== 2) throw new ShapeError('crossEntropy', `logits must be [n, classes], got ${fmt(logits.shape)}`);
  if (labels.dtype !== 'i32' || labels.size !== logits.shape[0]) {
    throw new ShapeError('crossEntropy', `labels must be i32 [${logits.shape[0]}], got ${labels.dtype} ${fmt(labels.shape)}`);
  }
  const picked = takeAlongLast(logSoftmax(logits), reshape(labels, [labels.size, 1]));
  return scale(mean(picked), -1);
}

// ---- normalisation --------------------------------------------------------------------------------

/** x / sqrt(sum(x², axis) + eps) along the last axis. */
export function l2Normalize(x: Tensor, eps = 1e-12): Tensor {
  return mul(x, rsqrt(add(sum(square(x), -1, true), eps)));
}

export interface BatchNormState {
  gamma: Tensor; beta: Tensor;
  runningMean: Tensor; runningVar: Tensor;
}

interface BNAttrs { count: number }

/**
 * Training-mode batch norm as one op, given the batch mean μ and invstd = 1/sqrt(var + eps): forward is
 * one fused pass y = x·s1 + s3 with s1 = γ·invstd, s3 = β − μ·γ·invstd, keeping only x (and the [C]
 * vectors). Backward (closed form, M = rows): with Σg and S = Σ g·(x − μ) from one channelSums pass,
 * dx = γ·invstd·(g − Σg/M − x̂·Σ(g·x̂)/M), x̂ = (x − μ)·invstd, Σ(g·x̂) = invstd·S, i.e.
 * dx = g·(γ·invstd) + x·(−γ·invstd³·S/M) + (−γ·invstd·Σg/M + γ·invstd³·μ·S/M), one channelAffine pass;
 * dγ = invstd·S, dβ = Σg.
 */
const BATCH_NORM_TRAIN: Op<BNAttrs> = {
  name: 'batchNorm',
  forward: ([x, gamma, beta, mu, invstd]) => noGrad(() => tidy(() => {
    const s1 = mul(gamma, invstd);
    return channelAffine(x, s1, sub(beta, mul(mu, s1)));
  })),
  backward(g, { inputs: [x, gamma, , mu, invstd], attrs: { count }, needsGrad }) {
    const [sumG, sumGX] = channelSums(g, x, full([mu.size], 0), mu);
    const dGamma = needsGrad[1] ? mul(sumGX, invstd) : null;
    let dx: Tensor | null = null;
    if (needsGrad[0]) {
      const s1 = mul(gamma, invstd);                                    // γ·invstd
      const k = mul(mul(s1, square(invstd)), scale(sumGX, 1 / count)); // γ·invstd³·S/M
      const s3 = sub(mul(k, mu), mul(s1, scale(sumG, 1 / count)));     // γ·invstd³·μ·S/M − γ·invstd·Σg/M
      dx = channelAffine(g, s1, s3, x, scale(k, -1));
    }
    return [dx, dGamma, needsGrad[2] ? sumG : null, null, null];
  },
};

/**
 * Batch norm over every axis but the last (channels last). In training it normalises with the batch
 * statistics (two passes over x: the mean, then the centred sum of squares, so no cancellation) and
 * updates the running averages in place (PyTorch convention: unbiased variance in the running average,
 * momentum 0.1); in eval it uses the running statistics: y = x·s1 + s3 with s1 = γ·rsqrt(running var + eps),
 * s3 = β − running mean·s1 (differentiable in x, γ, β; not in the running statistics).
 */
export function batchNorm(x: Tensor, s: BatchNormState, training: boolean, momentum = 0.1, eps = 1e-5): Tensor {
  const c = x.shape[x.rank - 1];
  for (const [name, t] of Object.entries(s)) {
    if (t.rank !== 1 || t.shape[0] !== c) throw new ShapeError('batchNorm', `${name} ${fmt(t.shape)} must be [${c}] for input ${fmt(x.shape)}`);
  }
  if (!training) {
    const inv = noGrad(() => rsqrt(add(s.runningVar, eps)));
    const s1 = mul(s.gamma, inv);
    const s3 = sub(s.beta, mul(s.runningMean, s1));
    inv.dispose();
    return apply(CHANNEL_AFFINE, [x, s1, s3], undefined);
  }
  const count = x.size / c;
  const { mu, variance, invstd } = noGrad(() => tidy(() => {
    const zero = full([c], 0);
    const m = scale(channelSums(x, x, zero, zero)[0], 1 / count);
    const v = scale(channelSums(x, x, m, m)[1], 1 / count);
    return { mu: m, variance: v, invstd: rsqrt(add(v, eps)) };
  }));
  const y = apply(BATCH_NORM_TRAIN, [x, s.gamma, s.beta, mu, invstd], { count });
  noGrad(() => {
    const e = engine();
    const unbiased = scale(variance, count > 1 ? count / (count - 1) : 1);
    e.run('axpby', { x: mu.buffer, y: s.runningMean.buffer, n: c, alpha: momentum, beta: 1 - momentum }, `bn-running-mean [${c}]`);
    e.run('axpby', { x: unbiased.buffer, y: s.runningVar.buffer, n: c, alpha: momentum, beta: 1 - momentum }, `bn-running-var [${c}]`);
    unbiased.dispose();
  });
  mu.dispose(); variance.dispose(); invstd.dispose();
  return y;
}

/** Mean over the spatial dims of NHWC → [n, c]. */
export function globalAvgPool(x: Tensor): Tensor {
  if (x.rank !== 4) throw new ShapeError('globalAvgPool', `expects NHWC, got ${fmt(x.shape)}`);
  return mean(x, [1, 2]);
}

// ---- dtype ----------------------------------------------------------------------------------------

/** Converts between f32, i32 and u32 (f32 → int truncates toward zero). No gradient. */
export function cast(x: Tensor, to: DType): Tensor {
  const out = empty(x.shape, to);
  if (x.size > 0) engine().run('cast', { x: x.buffer, out: out.buffer, n: x.size, from: x.dtype, to }, `cast ${x.dtype}->${to} ${fmt(x.shape)}`);
  return out;
}

