// Making tensors: from host data, filled, or random.
import type { DType, TypedArray } from './kernels';
import { engine } from './engine';
import { Tensor } from './tensor';
import { Rng } from './random';
import { fmt, sizeOf, type Shape } from './shape';

function checkShape(shape: Shape): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`tensor: shape ${fmt(shape)} must be non-negative integers`);
  }
}

/** An uninitialised tensor (used by ops for their outputs). */
export function empty(shape: Shape, dtype: DType = 'f32'): Tensor {
  checkShape(shape);
  const e = engine();
  const t = new Tensor(shape, dtype, e.backend.alloc(Math.max(4, sizeOf(shape) * 4)));
  if (e.poison && t.size > 0) {
    e.run('fill', { out: t.buffer, n: t.size, value: dtype === 'f32' ? NaN : -123456789, dtype }, 'poison');
  }
  return t;
}

const ARRAY_FOR: Record<DType, new (n: number | ArrayLike<number>) => TypedArray> = {
  f32: Float32Array, i32: Int32Array, u32: Uint32Array,
};

/**
 * A tensor from host values. `data` may be a number array, a typed array or (on the f64 reference
 * backend, for gradient checks) a Float64Array kept at full precision.
 */
export function tensor(data: ArrayLike<number>, shape?: Shape, dtype: DType = 'f32'): Tensor {
  const s = shape ?? [data.length];
  checkShape(s);
  if (sizeOf(s) !== data.length) {
    throw new Error(`tensor: ${data.length} values do not fill shape ${fmt(s)} (${sizeOf(s)} elements)`);
  }
  const e = engine();
  const t = empty(s, dtype);
  if (data.length === 0) return t;
  const keepF64 = e.backend.name === 'ref' && data instanceof Float64Array;
  const host = keepF64 ? (data as Float64Array) : data instanceof ARRAY_FOR[dtype] ? data : new ARRAY_FOR[dtype](data);
  e.backend.write(t.buffer, host as TypedArray);
  return t;
}

export function full(shape: Shape, value: number, dtype: DType = 'f32'): Tensor {
  const t = empty(shape, dtype);
  if (t.size > 0) engine().run('fill', { out: t.buffer, n: t.size, value, dtype }, `fill ${fmt(shape)}`);
  return t;
}

export const zeros = (shape: Shape, dtype: DType = 'f32') => full(shape, 0, dtype);
export const ones = (shape: Shape, dtype: DType = 'f32') => full(shape, 1, dtype);
export const scalar = (value: number) => tensor([value], []);

/** Normal(mean, std) values from a seeded generator (made on the host, then uploaded). */
export function randn(shape: Shape, rng: Rng, std = 1, mean = 0): Tensor {
  const a = new Float32Array(sizeOf(shape));
  for (let i = 0; i < a.length; i++) a[i] = mean + std * rng.normal();
  return tensor(a, shape);
}

/** Uniform [lo, hi) values from a seeded generator. */
export function randu(shape: Shape, rng: Rng, lo = 0, hi = 1): Tensor {
  const a = new Float32Array(sizeOf(shape));
  for (let i = 0; i < a.length; i++) a[i] = lo + (hi - lo) * rng.next();
  return tensor(a, shape);
}
