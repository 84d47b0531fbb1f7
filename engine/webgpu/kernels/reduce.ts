// reduce over [outer, r, inner]. A long r with few outputs is split into chunks (one partial result per
// chunk and output) and reduced again, so there is enough parallelism and a shorter summation chain.
// inner % 4 == 0 reduces 4 inner elements per invocation; inner == 1 on hardware adapters uses one
// workgroup per row with a tree reduction; everything else one output per invocation, r in order.
import type { KernelArgs, ReduceOp } from '../../kernels';
import type { PhysBuffer } from '../buffer-pool';
import { grid1d } from '../constants';
import { phys, words, type KernelContext } from './context';

const OPS: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2 };

export function reducePhys(
  ctx: KernelContext, op: ReduceOp, x: PhysBuffer, out: PhysBuffer, outer: number, r: number, inner: number, depth = 0,
): void {
  if (outer * inner <= 0) return;
  const OP = OPS[op];
  const vec = inner % 4 === 0;
  const threads = outer * (vec ? inner / 4 : inner);
  const hw = ctx.variant === 'hardware';
  const sub = depth ? `pass ${depth + 1}` : '';
  if (hw && inner === 1 && r >= 64 && (outer >= 32 || r <= 65536)) {
    const pipe = ctx.pipe('reduce', 'reduce_wg', 'urw', { OP });
    ctx.dispatch(pipe, words(outer, r, 1, 1, r, outer, 0, 0), [x, out], grid1d(outer, 1), null, sub);
    return;
  }
  const target = hw ? 16384 : 256;
  let chunks = 1;
  if (threads < target && r >= 128) chunks = Math.min(Math.ceil(target / threads), Math.ceil(r / 64));
  const len = Math.ceil(r / chunks);
  chunks = Math.ceil(r / len);
  const entry = vec ? 'reduce_chunk4' : 'reduce_chunk';
  const pipe = ctx.pipe('reduce', entry, 'urw', { OP });
  const total = threads * chunks;
  if (chunks === 1) {
    ctx.dispatch(pipe, words(outer, r, inner, 1, r, total, 0, 0), [x, out], grid1d(total, 256), null, sub);
    return;
  }
  const tmp = ctx.temp(outer * chunks * inner * 4);
  ctx.dispatch(pipe, words(outer, r, inner, chunks, len, total, 0, 0), [x, tmp], grid1d(total, 256), null, sub);
  reducePhys(ctx, op, tmp, out, outer, chunks, inner, depth + 1);
  ctx.release(tmp);
}

export function reduce(ctx: KernelContext, a: KernelArgs['reduce']): void {
  reducePhys(ctx, a.op, phys(a.x), phys(a.out), a.outer, a.r, a.inner);
}
