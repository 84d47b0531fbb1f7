// gatherRows, scatterRows, scatterAddRows, takeAlongLast, putAlongLastAdd (rows.wgsl).
// Scatters loop over rows in order inside one invocation per column (vec4 when cols % 4 == 0), which
// makes duplicate indices deterministic without float atomics.
import type { KernelArgs } from '../../kernels';
import { grid1d } from '../constants';
import { phys, words, type KernelContext } from './context';

export function gatherRows(ctx: KernelContext, a: KernelArgs['gatherRows']): void {
  const total = a.rows * a.cols;
  if (total <= 0) return;
  const vec = a.cols % 4 === 0;
  const t = vec ? total / 4 : total;
  const pipe = ctx.pipe('rows', vec ? 'gather4' : 'gather', 'urrw');
  ctx.dispatch(pipe, words(a.rows, a.cols, a.tableRows, 0, t, 0, 0, 0), [phys(a.table), phys(a.idx), phys(a.out)], grid1d(t, 256));
}

function scatter(ctx: KernelContext, a: KernelArgs['scatterRows'], add: boolean): void {
  if (a.rows * a.cols <= 0) return;
  const vec = a.cols % 4 === 0;
  const t = vec ? a.cols / 4 : a.cols;
  const pipe = ctx.pipe('rows', vec ? 'scatter4' : 'scatter', 'urrw', { ADD: add });
  ctx.dispatch(pipe, words(a.rows, a.cols, a.outRows, 0, t, 0, 0, 0), [phys(a.src), phys(a.idx), phys(a.out)], grid1d(t, 64));
}

export function scatterRows(ctx: KernelContext, a: KernelArgs['scatterRows']): void { scatter(ctx, a, false); }
export function scatterAddRows(ctx: KernelContext, a: KernelArgs['scatterAddRows']): void { scatter(ctx, a, true); }

export function takeAlongLast(ctx: KernelContext, a: KernelArgs['takeAlongLast']): void {
  const total = a.rows * a.k;
  if (total <= 0) return;
  const pipe = ctx.pipe('rows', 'take_along', 'urrw');
  ctx.dispatch(pipe, words(a.rows, a.cols, 0, a.k, total, 0, 0, 0), [phys(a.x), phys(a.idx), phys(a.out)], grid1d(total, 256));
}

export function putAlongLastAdd(ctx: KernelContext, a: KernelArgs['putAlongLastAdd']): void {
  if (a.rows * a.k <= 0) return;
  const pipe = ctx.pipe('rows', 'put_along_add', 'urrw');
  ctx.dispatch(pipe, words(a.rows, a.cols, 0, a.k, a.rows, 0, 0, 0), [phys(a.src), phys(a.idx), phys(a.out)], grid1d(a.rows, 64));
}
