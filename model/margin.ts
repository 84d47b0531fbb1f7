// Margin softmax on cosines: the combined margin ψ(θ) = cos(m1·θ + m2) − m3 on the target class,
// scaled by s (insightface's convention). ArcFace (1, 0.5, 0), CosFace (1, 0, 0.35–0.4),
// SphereFace-style m1 > 1.
import * as E from '../engine/index';
import type { Tensor } from '../engine/index';

export interface Margin { s: number; m1: number; m2: number; m3: number }

export type MarginKind = 'arc' | 'cos' | 'sphere' | 'combined';

export function marginPreset(kind: MarginKind, over: Partial<Margin> = {}): Margin {
  const base: Record<MarginKind, Margin> = {
    arc: { s: 64, m1: 1, m2: 0.5, m3: 0 },
    cos: { s: 64, m1: 1, m2: 0, m3: 0.4 },
    sphere: { s: 64, m1: 1.35, m2: 0, m3: 0 },
    combined: { s: 64, m1: 1, m2: 0.3, m3: 0.2 },
  };
  if (!(kind in base)) throw new Error(`margin: unknown kind '${kind}' (arc, cos, sphere, combined)`);
  const m = { ...base[kind], ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) };
  if (!(m.s > 0) || !(m.m1 >= 1) || !(m.m2 >= 0) || !(m.m3 >= 0) || m.m2 >= Math.PI / 2) {
    throw new Error(`margin: need s > 0, m1 >= 1, 0 <= m2 < π/2, m3 >= 0 (got s=${m.s}, m1=${m.m1}, m2=${m.m2}, m3=${m.m3})`);
  }
  return m;
}

/**
 * ψ for target cosines t: cos(m1·θ + m2) − m3 where m1·θ + m2 <= π; beyond that (where cos would turn
 * back up and reward a worse angle) the monotone fallback t − m3 − m2·sin(m2) − (m1 − 1) keeps the
 * logit decreasing. θ = acos(t) with t clamped inside (−1, 1) so the gradient stays finite.
 */
export function marginTarget(t: Tensor, m: Margin): Tensor {
  if (m.m1 === 1 && m.m2 === 0) return E.sub(t, m.m3);
  const tc = E.clamp(t, -1 + 1e-6, 1 - 1e-6);
  const angle = E.affine(E.acos(tc), m.m1, m.m2);
  const inRange = E.le(angle, Math.PI);
  return E.where(inRange, E.sub(E.cos(angle), m.m3), E.sub(tc, m.m3 + m.m2 * Math.sin(m.m2) + (m.m1 - 1)));
}

/**
 * Margin logits s·cos with ψ on each row's target column. `target` is i32 [n, 1]; a row whose target
 * is −1 (no class) keeps plain cosines.
 */
export function marginLogits(cos: Tensor, target: Tensor, m: Margin): Tensor {
  const t = E.takeAlongLast(cos, target);
  return E.scale(E.addAlongLast(cos, target, E.sub(marginTarget(t, m), t)), m.s);
}

/** Mean margin softmax cross-entropy over rows with a target (−1 rows add 0 but count in the mean). */
export function marginCrossEntropy(cos: Tensor, target: Tensor, m: Margin): Tensor {
  const logp = E.logSoftmax(marginLogits(cos, target, m));
  return E.scale(E.sum(E.takeAlongLast(logp, target)), -1 / cos.shape[0]);
}
