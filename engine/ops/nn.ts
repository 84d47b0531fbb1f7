// Neural-network building blocks composed from the primitive ops (their gradients follow), plus the
// fused log-softmax kernel.
import type { DType } from '../kernels';
import { engine } from '../engine';
import { Tensor } from '../tensor';
import { apply, noGrad, type Op } from '../autograd';
import { tidy } from '../scope';
import { empty } from '../create';
import { fmt, ShapeError } from '../shape';
import { add, exp, gt, mul, rsqrt, scale, square, sub, where } from './elementwise';
import { reshape } from './layout';
import { mean, sum, sumTo } from './reduce';
import { takeAlongLast } from './indexing';

// ---- activations ----------------------------------------------------------------------------------

const PRELU: Op<undefined> = {
  name: 'prelu',
  // fused: only x and alpha are kept for backward (not the mask and products a composition would keep)
  forward: ([x, alpha]) => noGrad(() => tidy(() => where(gt(x, 0), x, mul(x, alpha)))),
  backward(g, { inputs: [x, alpha] }) {
    const positive = gt(x, 0);
    return [where(positive, g, mul(g, alpha)), sumTo(where(positive, 0, mul(g, x)), alpha.shape)];
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

interface BNAttrs { axes: number[]; count: number }

/**
 * Training-mode batch norm as one op, given the batch mean and 1/std: forward keeps only x (and the two
 * per-channel vectors), backward uses the closed form
 * dx = γ·invstd·(g − mean(g) − x̂·mean(g·x̂)), dγ = Σ g·x̂, dβ = Σ g.
 */
const BATCH_NORM_TRAIN: Op<BNAttrs> = {
  name: 'batchNorm',
  forward: ([x, gamma, beta, mu, invstd]) => noGrad(() => tidy(() => add(mul(mul(sub(x, mu), invstd), gamma), beta))),
  backward(g, { inputs: [x, gamma, , mu, invstd], attrs: { axes, count } }) {
    const xhat = mul(sub(x, mu), invstd);
    const dBeta = sum(g, axes);
    const dGamma = sum(mul(g, xhat), axes);
    const inner = sub(sub(g, scale(dBeta, 1 / count)), mul(xhat, scale(dGamma, 1 / count)));
    return [mul(inner, mul(gamma, invstd)), dGamma, dBeta, null, null];
  },
};

/**
 * Batch norm over every axis but the last (channels last). In training it normalises with the batch
 * statistics and updates the running averages in place (PyTorch convention: unbiased variance in the
 * running average, momentum 0.1); in eval it uses the running statistics.
 */
export function batchNorm(x: Tensor, s: BatchNormState, training: boolean, momentum = 0.1, eps = 1e-5): Tensor {
  const c = x.shape[x.rank - 1];
  for (const [name, t] of Object.entries(s)) {
    if (t.rank !== 1 || t.shape[0] !== c) throw new ShapeError('batchNorm', `${name} ${fmt(t.shape)} must be [${c}] for input ${fmt(x.shape)}`);
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  if (!training) {
    const inv = noGrad(() => rsqrt(add(s.runningVar, eps)));
    return add(mul(sub(x, s.runningMean), mul(inv, s.gamma)), s.beta);
  }
  const count = x.size / c;
  const { mu, variance, invstd } = noGrad(() => tidy(() => {
    const m = mean(x, axes);
    const v = mean(square(sub(x, m)), axes);
    return { mu: m, variance: v, invstd: rsqrt(add(v, eps)) };
  }));
  const y = apply(BATCH_NORM_TRAIN, [x, s.gamma, s.beta, mu, invstd], { axes, count });
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

