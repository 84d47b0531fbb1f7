// topk and logSoftmax: per-row kernels.
import type { KernelArgs } from '../../kernels';
import { grid1d } from '../constants';
import { phys, words, type KernelContext } from './context';

export function topk(ctx: KernelContext, a: KernelArgs['topk']): void {
  if (a.rows <= 0) return;
  if (a.k < 1 || a.k > 64 || a.k > a.cols) throw new Error(`webgpu: topk k=${a.k} outside [1, min(64, cols=${a.cols})]`);
  const pipe = ctx.pipe('topk', 'main', 'urww');
  ctx.dispatch(pipe, words(a.rows, a.cols, a.k), [phys(a.x), phys(a.values), phys(a.indices)], grid1d(a.rows, 64));
}

export function logSoftmax(ctx: KernelContext, a: KernelArgs['logSoftmax']): void {
  if (a.rows * a.cols <= 0) return;
  const bufs = [phys(a.x), phys(a.out)];
  if (ctx.variant === 'hardware' && a.cols > 64) {
    ctx.dispatch(ctx.pipe('logsoftmax', 'lsm_wg', 'urw'), words(a.rows, a.cols), bufs, grid1d(a.rows, 1));
  } else {
    ctx.dispatch(ctx.pipe('logsoftmax', 'lsm_row', 'urw'), words(a.rows, a.cols), bufs, grid1d(a.rows, 64));
  }
}
