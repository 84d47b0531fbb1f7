// binary, where, copy: strided index math over rank <= 6, after folding. Folding drops size-1 dims and
// merges neighbouring dims that are contiguous in every operand, so most calls become rank 1 or 2 and
// can take the vec4 fast paths (contiguous / scalar / row- or column-broadcast operands).
import { BINARY_OPS, type KernelArgs } from '../../kernels';
import { grid1d } from '../constants';
import { phys, words, type KernelContext } from './context';

/** Folded dims, innermost first: shape and one stride list per operand. */
export function foldDims(shape: number[], strides: number[][]): { shape: number[]; strides: number[][] } {
  const sh: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d];
    if (n === 1) continue;
    const last = sh.length - 1;
    if (last >= 0 && strides.every((s, k) => s[d] === st[k][last] * sh[last])) {
      sh[last] *= n;
    } else {
      sh.push(n);
      strides.forEach((s, k) => st[k].push(s[d]));
    }
  }
  return { shape: sh, strides: st };
}

function pack6(v: number[]): number[] {
  const out = new Array(8).fill(0);
  for (let i = 0; i < v.length; i++) out[i] = v[i];
  return out;
}

const numel = (s: number[]) => s.reduce((p, d) => p * d, 1);

/** Access mode of an operand in the vec4 fast path, or -1. */
function mode(rank: number, shape: number[], s: number[]): number {
  if (rank === 0) return 0;
  if (rank === 1) return s[0] === 1 ? 0 : s[0] === 0 ? 1 : -1;
  if (rank === 2 && shape[0] % 4 === 0) {
    if (s[0] === 1 && s[1] === shape[0]) return 0;
    if (s[0] === 0 && s[1] === 0) return 1;
    if (s[0] === 1 && s[1] === 0) return 2;
    if (s[0] === 0 && s[1] === 1) return 3;
  }
  return -1;
}

export function binary(ctx: KernelContext, a: KernelArgs['binary']): void {
  const n = numel(a.shape);
  if (n <= 0) return;
  const op = BINARY_OPS.indexOf(a.op);
  if (op < 0) throw new Error(`webgpu: unknown binary op ${a.op}`);
  const f = foldDims(a.shape, [a.aStrides, a.bStrides]);
  const rank = f.shape.length;
  const am = mode(rank, f.shape, f.strides[0]);
  const bm = mode(rank, f.shape, f.strides[1]);
  const bufs = [phys(a.a), phys(a.b), phys(a.out)];
  if (am >= 0 && bm >= 0) {
    const pipe = ctx.pipe('binary', 'bin_fast', 'urrw', { OP: op, AM: am, BM: bm });
    ctx.dispatch(pipe, words(n, rank, rank === 2 ? f.shape[0] : 4, 0, ...new Array(32).fill(0)), bufs, grid1d(Math.ceil(n / 4), 256));
    return;
  }
  if (rank > 6) throw new Error(`webgpu: binary of rank ${rank} after folding`);
  const pipe = ctx.pipe('binary', 'bin_general', 'urrw', { OP: op });
  const p = words(n, rank, 0, 0, ...pack6(f.shape), ...pack6(f.strides[0]), ...pack6(f.strides[1]), ...pack6([]));
  ctx.dispatch(pipe, p, bufs, grid1d(n, 256));
}

export function where(ctx: KernelContext, a: KernelArgs['where']): void {
  const n = numel(a.shape);
  if (n <= 0) return;
  const f = foldDims(a.shape, [a.condStrides, a.aStrides, a.bStrides]);
  const rank = f.shape.length;
  if (rank > 6) throw new Error(`webgpu: where of rank ${rank} after folding`);
  const pipe = ctx.pipe('binary', 'where_general', 'urrrw');
  const p = words(n, rank, 0, 0, ...pack6(f.shape), ...pack6(f.strides[0]), ...pack6(f.strides[1]), ...pack6(f.strides[2]));
  ctx.dispatch(pipe, p, [phys(a.cond), phys(a.a), phys(a.b), phys(a.out)], grid1d(n, 256));
}

export function copy(ctx: KernelContext, a: KernelArgs['copy']): void {
  const n = numel(a.shape);
  if (n <= 0) return;
  const f = foldDims(a.shape, [a.xStrides, a.outStrides]);
  const rank = f.shape.length;
  const bufs = [phys(a.x), phys(a.out)];
  const contig = rank === 0 || (rank === 1 && f.strides[0][0] === 1 && f.strides[1][0] === 1);
  if (contig && a.xOffset % 4 === 0 && a.outOffset % 4 === 0) {
    const pipe = ctx.pipe('copy', 'copy_contig', 'urw');
    ctx.dispatch(pipe, words(n, rank, a.xOffset / 4, a.outOffset / 4, ...new Array(24).fill(0)), bufs, grid1d(Math.ceil(n / 4), 256));
    return;
  }
  if (rank > 6) throw new Error(`webgpu: copy of rank ${rank} after folding`);
  const pipe = ctx.pipe('copy', 'copy_general', 'urw');
  const p = words(n, rank, a.xOffset, a.outOffset, ...pack6(f.shape), ...pack6(f.strides[0]), ...pack6(f.strides[1]));
  ctx.dispatch(pipe, p, bufs, grid1d(n, 256));
}
