// Elementwise ops: unary maths, broadcasting binary arithmetic and comparisons, where.
import type { BinaryOp, UnaryOp } from '../kernels';
import { engine } from '../engine';
import { Tensor } from '../tensor';
import { apply, type Op } from '../autograd';
import { empty, tensor } from '../create';
import {
  broadcastShapes, broadcastStrides, fmt, foldDims, MAX_KERNEL_RANK, ShapeError, stridesOf, type Shape,
} from '../shape';
import { sumTo } from './reduce';

function requireF32(op: string, ...ts: Tensor[]): void {
  for (const t of ts) {
    if (t.dtype !== 'f32') throw new ShapeError(op, `expects f32 inputs, got ${t.dtype} ${fmt(t.shape)} (cast() it first)`);
  }
}

/** Runs a strided kernel over `shape`, folding dims; returns the folded shape and stride lists. */
export function foldForKernel(op: string, shape: Shape, strides: number[][]): { shape: number[]; strides: number[][] } {
  const f = foldDims(shape, strides);
  if (f.shape.length > MAX_KERNEL_RANK) {
    throw new ShapeError(op, `needs ${f.shape.length} strided dims after folding; at most ${MAX_KERNEL_RANK} are supported`);
  }
  return f;
}

// ---- unary ----------------------------------------------------------------------------------------

interface UnaryAttrs { a: number; b: number }

function runUnary(op: UnaryOp, x: Tensor, a = 0, b = 0): Tensor {
  requireF32(op, x);
  const out = empty(x.shape);
  if (out.size > 0) engine().run('unary', { op, x: x.buffer, out: out.buffer, n: x.size, a, b }, `${op} ${fmt(x.shape)}`);
  return out;
}

type UnaryGrad = (g: Tensor, x: Tensor, out: Tensor, attrs: UnaryAttrs) => Tensor | null;

function unaryOp(op: UnaryOp, grad: UnaryGrad | null, savesOutput = false): Op<UnaryAttrs> {
  return {
    name: op,
    savesOutput,
    forward: ([x], { a, b }) => runUnary(op, x, a, b),
    backward: grad ? (g, { inputs: [x], output, attrs }) => [grad(g, x, output, attrs)] : undefined,
  };
}

const U: Record<UnaryOp, Op<UnaryAttrs>> = {
  neg: unaryOp('neg', (g) => neg(g)),
  exp: unaryOp('exp', (g, _x, y) => mul(g, y), true),
  log: unaryOp('log', (g, x) => div(g, x)),
  sqrt: unaryOp('sqrt', (g, _x, y) => div(scale(g, 0.5), y), true),
  rsqrt: unaryOp('rsqrt', (g, _x, y) => mul(g, scale(mul(y, square(y)), -0.5)), true),
  abs: unaryOp('abs', (g, x) => mul(g, sign(x))),
  sign: unaryOp('sign', null),
  relu: unaryOp('relu', (g, x) => mul(g, step(x))),
  square: unaryOp('square', (g, x) => mul(g, scale(x, 2))),
  recip: unaryOp('recip', (g, _x, y) => neg(mul(g, square(y))), true),
  sin: unaryOp('sin', (g, x) => mul(g, cos(x))),
  cos: unaryOp('cos', (g, x) => neg(mul(g, sin(x)))),
  acos: unaryOp('acos', (g, x) => neg(mul(g, rsqrt(affine(square(x), -1, 1))))),
  tanh: unaryOp('tanh', (g, _x, y) => mul(g, affine(square(y), -1, 1)), true),
  sigmoid: unaryOp('sigmoid', (g, _x, y) => mul(g, mul(y, affine(y, -1, 1))), true),
  step: unaryOp('step', null),
  clamp: unaryOp('clamp', (g, x, y) => mul(g, eq(x, y)), true),
  affine: unaryOp('affine', (g, _x, _y, { a }) => scale(g, a)),
  powc: unaryOp('powc', (g, x, _y, { a }) => mul(g, scale(powc(x, a - 1), a))),
};

const unary = (op: UnaryOp, x: Tensor, a = 0, b = 0): Tensor => apply(U[op], [x], { a, b });

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const recip = (x: Tensor): Tensor => unary('recip', x);
export const sin = (x: Tensor): Tensor => unary('sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', x);
export const acos = (x: Tensor): Tensor => unary('acos', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** 1 where x > 0, else 0 (no gradient). */
export const step = (x: Tensor): Tensor => unary('step', x);
export const clamp = (x: Tensor, lo: number, hi: number): Tensor => unary('clamp', x, lo, hi);
/** a·x + b. */
export const affine = (x: Tensor, a: number, b: number): Tensor => unary('affine', x, a, b);
export const scale = (x: Tensor, c: number): Tensor => unary('affine', x, c, 0);
export const shift = (x: Tensor, c: number): Tensor => unary('affine', x, 1, c);
/** x^c for x >= 0. */
export const powc = (x: Tensor, c: number): Tensor => unary('powc', x, c);

// ---- binary ---------------------------------------------------------------------------------------

function runBinary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  requireF32(op, a, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = empty(shape);
  if (out.size === 0) return out;
  const f = foldForKernel(op, shape, [stridesOf(shape), broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  engine().run('binary', {
    op, a: a.buffer, b: b.buffer, out: out.buffer, shape: f.shape, aStrides: f.strides[1], bStrides: f.strides[2],
  }, `${op} ${fmt(a.shape)} ${fmt(b.shape)}`);
  return out;
}

type BinaryGrad = (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

function binaryOp(op: BinaryOp, grad: BinaryGrad | null, savesOutput = false): Op<undefined> {
  return {
    name: op,
    savesOutput,
    forward: ([a, b]) => runBinary(op, a, b),
    backward: grad
      ? (g, { inputs: [a, b], output }) => {
          const [ga, gb] = grad(g, a, b, output);
          return [ga && sumTo(ga, a.shape), gb && sumTo(gb, b.shape)];
        }
      : undefined,
  };
}

const B: Record<BinaryOp, Op<undefined>> = {
  add: binaryOp('add', (g) => [g, g]),
  sub: binaryOp('sub', (g) => [g, neg(g)]),
  mul: binaryOp('mul', (g, a, b) => [mul(g, b), mul(g, a)]),
  div: binaryOp('div', (g, a, b) => [div(g, b), neg(div(mul(g, a), square(b)))]),
  max: binaryOp('max', (g, a, b, y) => [mul(g, eq(a, y)), mul(g, ne(a, y))], true),
  min: binaryOp('min', (g, a, b, y) => [mul(g, eq(a, y)), mul(g, ne(a, y))], true),
  pow: binaryOp('pow', (g, a, b, y) => [mul(g, mul(b, div(y, a))), mul(g, mul(y, log(a)))], true),
  gt: binaryOp('gt', null), ge: binaryOp('ge', null), lt: binaryOp('lt', null),
  le: binaryOp('le', null), eq: binaryOp('eq', null), ne: binaryOp('ne', null),
};

type Operand = Tensor | number;
const asTensor = (v: Operand): Tensor => (v instanceof Tensor ? v : tensor([v], []));
const binary = (op: BinaryOp, a: Operand, b: Operand): Tensor => apply(B[op], [asTensor(a), asTensor(b)], undefined);

export function add(a: Operand, b: Operand): Tensor {
  if (typeof b === 'number' && a instanceof Tensor) return shift(a, b);
  if (typeof a === 'number' && b instanceof Tensor) return shift(b, a);
  return binary('add', a, b);
}
export function sub(a: Operand, b: Operand): Tensor {
  if (typeof b === 'number' && a instanceof Tensor) return shift(a, -b);
  if (typeof a === 'number' && b instanceof Tensor) return affine(b, -1, a);
  return binary('sub', a, b);
}
export function mul(a: Operand, b: Operand): Tensor {
  if (typeof b === 'number' && a instanceof Tensor) return scale(a, b);
  if (typeof a === 'number' && b instanceof Tensor) return scale(b, a);
  return binary('mul', a, b);
}
export function div(a: Operand, b: Operand): Tensor {
  if (typeof b === 'number' && a instanceof Tensor) return scale(a, 1 / b);
  return binary('div', a, b);
}
export const maximum = (a: Operand, b: Operand): Tensor => binary('max', a, b);
export const minimum = (a: Operand, b: Operand): Tensor => binary('min', a, b);
export const pow = (a: Operand, b: Operand): Tensor => binary('pow', a, b);
export const gt = (a: Operand, b: Operand): Tensor => binary('gt', a, b);
export const ge = (a: Operand, b: Operand): Tensor => binary('ge', a, b);
export const lt = (a: Operand, b: Operand): Tensor => binary('lt', a, b);
export const le = (a: Operand, b: Operand): Tensor => binary('le', a, b);
export const eq = (a: Operand, b: Operand): Tensor => binary('eq', a, b);
export const ne = (a: Operand, b: Operand): Tensor => binary('ne', a, b);

// ---- where ----------------------------------------------------------------------------------------

const WHERE: Op<undefined> = {
  name: 'where',
  forward([c, a, b]) {
    requireF32('where', c, a, b);
    const shape = broadcastShapes('where', broadcastShapes('where', c.shape, a.shape), b.shape);
    const out = empty(shape);
    if (out.size === 0) return out;
    const f = foldForKernel('where', shape, [
      stridesOf(shape), broadcastStrides(c.shape, shape), broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape),
    ]);
    engine().run('where', {
      cond: c.buffer, a: a.buffer, b: b.buffer, out: out.buffer, shape: f.shape,
      condStrides: f.strides[1], aStrides: f.strides[2], bStrides: f.strides[3],
    }, `where ${fmt(c.shape)} ${fmt(a.shape)} ${fmt(b.shape)}`);
    return out;
  },
  backward(g, { inputs: [c, a, b] }) {
    const zero = tensor([0], []);
    return [null, sumTo(where(c, g, zero), a.shape), sumTo(where(c, zero, g), b.shape)];
  },
};

/** cond != 0 ? a : b, broadcasting all three. */
export const where = (cond: Tensor, a: Operand, b: Operand) => apply(WHERE, [cond, asTensor(a), asTensor(b)], undefined);
