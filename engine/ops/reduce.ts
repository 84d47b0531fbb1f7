// Reductions over axes (sum, mean, max, min) and `sumTo`, which undoes broadcasting for gradients.
import type { ReduceOp } from '../kernels';
import { engine } from '../engine';
import { Tensor } from '../tensor';
import { apply, type Op } from '../autograd';
import { empty } from '../create';
import { fmt, normAxis, sameShape, ShapeError, sizeOf, type Shape } from '../shape';
import { expand, reshape } from './layout';
import { eq, mul, scale } from './elementwise';

interface ReduceAttrs { axes: number[]; keepDims: boolean }

function keptShape(shape: Shape, axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** One kernel call when the axes are adjacent; otherwise one axis at a time, last first. */
function runReduce(op: ReduceOp, x: Tensor, axes: number[]): Tensor {
  if (x.dtype !== 'f32') throw new ShapeError(op, `expects f32, got ${x.dtype} ${fmt(x.shape)}`);
  const sorted = [...axes].sort((p, q) => p - q);
  const adjacent = sorted.every((a, i) => i === 0 || a === sorted[i - 1] + 1);
  const e = engine();
  if (!adjacent) {
    let cur = x;
    for (const a of [...sorted].reverse()) {
      const next = runReduce(op, cur, [a]);
      if (cur !== x) cur.dispose();
      cur = next;
    }
    return cur;
  }
  const first = sorted[0], last = sorted[sorted.length - 1];
  const outer = sizeOf(x.shape.slice(0, first)), r = sizeOf(x.shape.slice(first, last + 1));
  const inner = sizeOf(x.shape.slice(last + 1));
  const out = empty(keptShape(x.shape, sorted));
  if (r === 0) throw new ShapeError(op, `cannot reduce over an empty axis of ${fmt(x.shape)}`);
  if (out.size > 0) {
    e.run('reduce', { op, x: x.buffer, out: out.buffer, outer, r, inner }, `${op} ${fmt(x.shape)} axes [${sorted}]`);
  }
  return out;
}

function reduceOp(op: ReduceOp): Op<ReduceAttrs> {
  return {
    name: op,
    savesOutput: op !== 'sum',
    forward([x], { axes, keepDims }) {
      const kept = runReduce(op, x, axes);
      if (keepDims) return kept;
      const shape = x.shape.filter((_, i) => !axes.includes(i));
      return viewAndDrop(kept, shape);
    },
    backward(g, { inputs: [x], output, attrs: { axes } }) {
      const gk = reshape(g, keptShape(x.shape, axes));
      const gx = expand(gk, x.shape);
      if (op === 'sum') return [gx];
      const mask = eq(x, reshape(output, keptShape(x.shape, axes)));
      return [mul(gx, mask)];
    },
  };
}

/** A reshaped view of t that takes over t's reference (t is disposed). */
function viewAndDrop(t: Tensor, shape: Shape): Tensor {
  const v = new Tensor(shape, t.dtype, t);
  t.dispose();
  return v;
}

const R = { sum: reduceOp('sum'), max: reduceOp('max'), min: reduceOp('min') };

function axesOf(op: string, x: Tensor, axis?: number | number[]): number[] {
  if (axis === undefined) return x.shape.map((_, i) => i);
  const list = (Array.isArray(axis) ? axis : [axis]).map((a) => normAxis(op, a, x.rank));
  return [...new Set(list)].sort((p, q) => p - q);
}

function reduce(op: ReduceOp, x: Tensor, axis: number | number[] | undefined, keepDims: boolean): Tensor {
  const axes = axesOf(op, x, axis);
  if (axes.length === 0) return x; // nothing to reduce
  return apply(R[op], [x], { axes, keepDims });
}

export const sum = (x: Tensor, axis?: number | number[], keepDims = false) => reduce('sum', x, axis, keepDims);
export const max = (x: Tensor, axis?: number | number[], keepDims = false) => reduce('max', x, axis, keepDims);
export const min = (x: Tensor, axis?: number | number[], keepDims = false) => reduce('min', x, axis, keepDims);
export function mean(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  const axes = axesOf('mean', x, axis);
  const count = axes.reduce((p, a) => p * x.shape[a], 1);
  return scale(sum(x, axes, keepDims), 1 / count);
}

/** Sums g over the dims that broadcasting added or stretched, giving `shape` (for gradients). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const off = g.rank - shape.length;
  const axes: number[] = [];
  g.shape.forEach((d, i) => { if (i < off || (shape[i - off] === 1 && d !== 1)) axes.push(i); });
  const s = axes.length ? sum(g, axes, true) : g;
  return reshape(s, shape);
}
