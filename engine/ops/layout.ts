// Layout ops: reshape (a view), transpose, slice, concat and expand (broadcast), all through the
// strided `copy` kernel.
import { engine } from '../engine';
import { Tensor } from '../tensor';
import { apply, type Op } from '../autograd';
import { empty, zeros } from '../create';
import { broadcastShapes, broadcastStrides, fmt, normAxis, ShapeError, sizeOf, stridesOf, type Shape } from '../shape';
import { foldForKernel } from './elementwise';
import { sumTo } from './reduce';

/** Copies x (read with xStrides from xOffset) into out (written with outStrides from outOffset) over shape. */
export function stridedCopy(
  label: string, x: Tensor, out: Tensor, shape: Shape,
  xStrides: number[], xOffset: number, outStrides: number[], outOffset: number,
): void {
  if (sizeOf(shape) === 0) return;
  const f = foldForKernel(label, shape, [xStrides, outStrides]);
  engine().run('copy', {
    x: x.buffer, out: out.buffer, shape: f.shape, xStrides: f.strides[0], xOffset, outStrides: f.strides[1], outOffset,
  }, label);
}

// ---- reshape --------------------------------------------------------------------------------------

const RESHAPE: Op<{ shape: number[] }> = {
  name: 'reshape',
  forward: ([x], { shape }) => new Tensor(shape, x.dtype, x),
  backward: (g, { inputs: [x] }) => [reshape(g, x.shape)],
};

/** A view with a new shape (one dim may be -1). Shares the buffer. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const known = shape.filter((d) => d !== -1);
  const free = shape.length - known.length;
  if (free > 1) throw new ShapeError('reshape', `at most one -1 in ${fmt(shape)}`);
  const resolved = shape.map((d) => (d === -1 ? x.size / Math.max(1, sizeOf(known)) : d));
  if (sizeOf(resolved) !== x.size || !resolved.every(Number.isInteger)) {
    throw new ShapeError('reshape', `cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)}`);
  }
  return apply(RESHAPE, [x], { shape: resolved });
}

// ---- transpose ------------------------------------------------------------------------------------

const TRANSPOSE: Op<{ perm: number[] }> = {
  name: 'transpose',
  forward([x], { perm }) {
    const shape = perm.map((p) => x.shape[p]);
    const out = empty(shape, x.dtype);
    const xs = stridesOf(x.shape);
    stridedCopy(`transpose ${fmt(x.shape)} perm [${perm}]`, x, out, shape, perm.map((p) => xs[p]), 0, stridesOf(shape), 0);
    return out;
  },
  backward(g, { attrs: { perm } }) {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => { inv[p] = i; });
    return [transpose(g, inv)];
  },
};

/** Permutes dims (default: reverse them). */
export function transpose(x: Tensor, perm?: number[]): Tensor {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new ShapeError('transpose', `perm [${p}] is not a permutation of the dims of ${fmt(x.shape)}`);
  }
  return apply(TRANSPOSE, [x], { perm: p });
}

// ---- slice ----------------------------------------------------------------------------------------

const SLICE: Op<{ begin: number[]; size: number[] }> = {
  name: 'slice',
  forward([x], { begin, size }) {
    const out = empty(size, x.dtype);
    const xs = stridesOf(x.shape);
    const offset = begin.reduce((acc, b, d) => acc + b * xs[d], 0);
    stridedCopy(`slice ${fmt(x.shape)} at [${begin}] size ${fmt(size)}`, x, out, size, xs, offset, stridesOf(size), 0);
    return out;
  },
  backward(g, { inputs: [x], attrs: { begin, size } }) {
    const gx = zeros(x.shape);
    const xs = stridesOf(x.shape);
    const offset = begin.reduce((acc, b, d) => acc + b * xs[d], 0);
    stridedCopy(`slice-grad ${fmt(size)}`, g, gx, size, stridesOf(size), 0, xs, offset);
    return [gx];
  },
};

/** x[begin : begin + size] per dim; a size of -1 runs to the end. */
export function slice(x: Tensor, begin: number[], size: number[]): Tensor {
  if (begin.length !== x.rank || size.length !== x.rank) {
    throw new ShapeError('slice', `begin [${begin}] and size [${size}] must have one entry per dim of ${fmt(x.shape)}`);
  }
  const sz = size.map((s, d) => (s === -1 ? x.shape[d] - begin[d] : s));
  sz.forEach((s, d) => {
    if (begin[d] < 0 || s < 0 || begin[d] + s > x.shape[d]) {
      throw new ShapeError('slice', `[${begin[d]}, ${begin[d] + s}) is outside dim ${d} of ${fmt(x.shape)}`);
    }
  });
  return apply(SLICE, [x], { begin, size: sz });
}

// ---- concat ---------------------------------------------------------------------------------------

const CONCAT: Op<{ axis: number }> = {
  name: 'concat',
  forward(xs, { axis }) {
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((acc, t) => acc + t.shape[axis], 0);
    const out = empty(shape, xs[0].dtype);
    const os = stridesOf(shape);
    let at = 0;
    for (const t of xs) {
      stridedCopy(`concat ${fmt(t.shape)} axis ${axis}`, t, out, t.shape, stridesOf(t.shape), 0, os, at * os[axis]);
      at += t.shape[axis];
    }
    return out;
  },
  backward(g, { inputs, attrs: { axis } }) {
    let at = 0;
    return inputs.map((t) => {
      const begin = g.shape.map((_, d) => (d === axis ? at : 0));
      at += t.shape[axis];
      return slice(g, begin, [...t.shape]);
    });
  },
};

/** Joins tensors along an axis; all other dims must agree. */
export function concat(xs: Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError('concat', 'needs at least one tensor');
  const ax = normAxis('concat', axis, xs[0].rank);
  for (const t of xs) {
    if (t.rank !== xs[0].rank || t.dtype !== xs[0].dtype || t.shape.some((d, i) => i !== ax && d !== xs[0].shape[i])) {
      throw new ShapeError('concat', `${fmt(t.shape)} ${t.dtype} does not match ${fmt(xs[0].shape)} ${xs[0].dtype} outside axis ${ax}`);
    }
  }
  return apply(CONCAT, xs, { axis: ax });
}

// ---- expand ---------------------------------------------------------------------------------------

const EXPAND: Op<{ shape: number[] }> = {
  name: 'expand',
  forward([x], { shape }) {
    const out = empty(shape, x.dtype);
    stridedCopy(`expand ${fmt(x.shape)} to ${fmt(shape)}`, x, out, shape, broadcastStrides(x.shape, shape), 0, stridesOf(shape), 0);
    return out;
  },
  backward: (g, { inputs: [x] }) => [sumTo(g, x.shape)],
};

/** Broadcasts x to `shape` (materialised). */
export function expand(x: Tensor, shape: Shape): Tensor {
  const target = broadcastShapes('expand', x.shape, shape);
  if (target.length !== shape.length || target.some((d, i) => d !== shape[i])) {
    throw new ShapeError('expand', `${fmt(x.shape)} does not broadcast to ${fmt(shape)}`);
  }
  return apply(EXPAND, [x], { shape: [...shape] });
}

/** Copies src's values into target in place (same shape and dtype; no gradient). */
export function copyInto(target: Tensor, src: Tensor): void {
  if (target.size !== src.size || target.dtype !== src.dtype) {
    throw new ShapeError('copyInto', `${src.dtype} ${fmt(src.shape)} does not fit ${target.dtype} ${fmt(target.shape)}`);
  }
  stridedCopy(`copyInto ${fmt(target.shape)}`, src, target, [src.size], [1], 0, [1], 0);
}
