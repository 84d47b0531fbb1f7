// fill, unary, cast, sgd, axpby: one vec4 per invocation (the shaders handle a partial last vec4).
import { UNARY_OPS, type DType, type KernelArgs } from '../../kernels';
import { grid1d } from '../constants';
import { floatBits, phys, words, type KernelContext } from './context';

const DTYPE_CODE: Record<DType, number> = { f32: 0, i32: 1, u32: 2 };

export function fill(ctx: KernelContext, a: KernelArgs['fill']): void {
  if (a.n <= 0) return;
  let bits: Uint32Array;
  if (a.dtype === 'f32') bits = floatBits(a.value);
  else bits = words(a.dtype === 'i32' ? a.value | 0 : a.value >>> 0);
  const pipe = ctx.pipe('fill', 'main', 'udw');
  ctx.dispatch(pipe, words(a.n), [phys(a.out)], grid1d(Math.ceil(a.n / 4), 256), bits);
}

export function unary(ctx: KernelContext, a: KernelArgs['unary']): void {
  if (a.n <= 0) return;
  const op = UNARY_OPS.indexOf(a.op);
  if (op < 0) throw new Error(`webgpu: unknown unary op ${a.op}`);
  const pipe = ctx.pipe('unary', 'main', 'udrw', { OP: op });
  ctx.dispatch(pipe, words(a.n), [phys(a.x), phys(a.out)], grid1d(Math.ceil(a.n / 4), 256), floatBits(a.a ?? 0, a.b ?? 0));
}

export function cast(ctx: KernelContext, a: KernelArgs['cast']): void {
  if (a.n <= 0) return;
  const pipe = ctx.pipe('cast', 'main', 'urw', { FROM: DTYPE_CODE[a.from], TO: DTYPE_CODE[a.to] });
  ctx.dispatch(pipe, words(a.n), [phys(a.x), phys(a.out)], grid1d(Math.ceil(a.n / 4), 256));
}

export function sgd(ctx: KernelContext, a: KernelArgs['sgd']): void {
  if (a.n <= 0) return;
  const pipe = ctx.pipe('optim', 'sgd', 'udwrw');
  ctx.dispatch(pipe, words(a.n), [phys(a.param), phys(a.grad), phys(a.velocity)], grid1d(Math.ceil(a.n / 4), 256),
    floatBits(a.lr, a.momentum, a.weightDecay, a.nesterov ? 1 : 0));
}

export function axpby(ctx: KernelContext, a: KernelArgs['axpby']): void {
  if (a.n <= 0) return;
  const pipe = ctx.pipe('optim', 'axpby', 'udrw');
  ctx.dispatch(pipe, words(a.n), [phys(a.x), phys(a.y)], grid1d(Math.ceil(a.n / 4), 256), floatBits(a.alpha, a.beta));
}
