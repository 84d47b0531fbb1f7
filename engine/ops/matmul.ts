// Batched matrix multiply with optional transposed operands and broadcasting of a single matrix over
// the other operand's batch.
import { engine } from '../engine';
import { Tensor } from '../tensor';
import { apply, type Op } from '../autograd';
import { empty } from '../create';
import { fmt, sameShape, ShapeError, sizeOf } from '../shape';
import { reshape } from './layout';
import { sum } from './reduce';

export interface MatmulOptions { transA?: boolean; transB?: boolean }
interface MatmulAttrs { transA: boolean; transB: boolean }

function dims(a: Tensor, b: Tensor, { transA, transB }: MatmulAttrs) {
  const label = `matmul ${fmt(a.shape)}${transA ? 'ᵀ' : ''} x ${fmt(b.shape)}${transB ? 'ᵀ' : ''}`;
  if (a.rank < 2 || b.rank < 2) throw new ShapeError('matmul', `operands must have rank >= 2, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  if (a.dtype !== 'f32' || b.dtype !== 'f32') throw new ShapeError('matmul', `expects f32, got ${a.dtype} and ${b.dtype}`);
  const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar, k = transA ? ar : ac;
  const kb = transB ? bc : br, n = transB ? br : bc;
  if (k !== kb) {
    throw new ShapeError('matmul', `inner dims differ: ${label} has k = ${k} on the left and ${kb} on the right`);
  }
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const nA = sizeOf(batchA), nB = sizeOf(batchB);
  if (!(sameShape(batchA, batchB) || nA === 1 || nB === 1)) {
    throw new ShapeError('matmul', `batch dims ${fmt(batchA)} and ${fmt(batchB)} differ (one side may have batch 1)`);
  }
  const batchShape = nA >= nB ? batchA : batchB;
  return { label, m, n, k, batch: Math.max(nA, nB), nA, nB, outShape: [...batchShape, m, n] };
}

const MATMUL: Op<MatmulAttrs> = {
  name: 'matmul',
  forward([a, b], attrs) {
    const d = dims(a, b, attrs);
    const out = empty(d.outShape);
    if (out.size === 0) return out;
    engine().run('matmul', {
      a: a.buffer, b: b.buffer, out: out.buffer, batch: d.batch, m: d.m, n: d.n, k: d.k,
      transA: attrs.transA, transB: attrs.transB,
      aBatchStride: d.nA === 1 ? 0 : d.m * d.k, bBatchStride: d.nB === 1 ? 0 : d.k * d.n,
    }, d.label);
    return out;
  },
  backward(g, { inputs: [a, b], attrs: { transA, transB } }) {
    // C = op(A) op(B): dA and dB in the stored layout of A and B
    const ga = transA ? matmul(b, g, { transA: transB, transB: true }) : matmul(g, b, { transB: !transB });
    const gb = transB ? matmul(g, a, { transA: true, transB: transA }) : matmul(a, g, { transA: !transA });
    return [collapseBatch(ga, a), collapseBatch(gb, b)];
  },
};

/** Sums a batched gradient over the batch when the operand was one matrix broadcast over it. */
function collapseBatch(g: Tensor, like: Tensor): Tensor {
  if (sameShape(g.shape, like.shape)) return g;
  const flat = reshape(g, [-1, ...g.shape.slice(-2)]);
  return reshape(sum(flat, 0), like.shape);
}

/** a · b over the last two dims; leading dims are the batch. */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  return apply(MATMUL, [a, b], { transA: !!opts.transA, transB: !!opts.transB });
}
