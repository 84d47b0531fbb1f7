// Runs an op case on the current engine: the output, and the gradients of sum(output · weights)
// with respect to every f32 input.
import * as E from '../engine/index';
import type { OpCase } from './op-cases';

export interface CaseResult { out: number[]; grads: (number[] | null)[] }

export async function runCase(c: OpCase, inputs: Float64Array[], weights: Float64Array | null): Promise<CaseResult> {
  const ts = c.inputs.map((spec, i) =>
    E.tensor(inputs[i], spec.shape, spec.kind === 'idx' ? 'i32' : 'f32'));
  const differentiable = c.inputs.map((spec) => spec.kind !== 'idx');
  if (weights) ts.forEach((t, i) => { if (differentiable[i]) E.requireGrad(t); });
  const out = E.tidy(() => c.run(ts));
  const result: CaseResult = { out: Array.from(await out.data()), grads: [] };
  if (weights) {
    const loss = E.tidy(() => E.sum(E.mul(out, E.tensor(weights, out.shape))));
    E.backward(loss);
    loss.dispose();
    for (let i = 0; i < ts.length; i++) {
      const g = ts[i].grad;
      result.grads.push(differentiable[i] ? (g ? Array.from(await g.data()) : new Array(ts[i].size).fill(0)) : null);
    }
  }
  E.clearTape();
  out.dispose();
  for (const t of ts) { t.grad?.dispose(); t.dispose(); }
  return result;
}

/** Weights for the gradient loss: deterministic, non-zero, different per element. */
export function lossWeights(n: number, seed: number): Float64Array {
  const rng = new E.Rng(seed);
  return Float64Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1) * (0.3 + rng.next()));
}
