// conv2d, conv2dBackwardInput, conv2dBackwardFilter (NHWC activations, OHWI weights, groups).
// Kernel choice per call:
//   1x1, stride 1, no padding, groups 1  -> the matmul kernels (forward: x [M, cin] . w^T; dx: dy . w;
//                                           dw: dy^T . x, split over M)
//   depthwise, multiplier 1, C % 4 == 0  -> *_dw (vec4 over channels)
//   cinG % 4 == 0 / coutG % 4 == 0       -> *_gemm (4 x 4 register tiles, vec4 over channels)
//   otherwise                            -> *_generic (one element per invocation)
// The filter gradient splits the output pixels into chunks (partial sums per chunk, then a reduce).
import type { Conv2dGeometry, KernelArgs } from '../../kernels';
import type { PhysBuffer } from '../buffer-pool';
import { grid1d } from '../constants';
import { phys, words, type KernelContext } from './context';
import { matmulPhys } from './matmul';
import { reducePhys } from './reduce';

function params(g: Conv2dGeometry, total: number, chunks = 1, clen = 0): Uint32Array {
  const m = g.n * g.oh * g.ow;
  return words(g.n, g.h, g.w, g.cin, g.cout, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW,
    g.cin / g.groups, g.cout / g.groups, g.oh, g.ow, m, total, chunks, clen, 0, 0, 0, 0, 0);
}

const isPointwise = (g: Conv2dGeometry) =>
  g.kh === 1 && g.kw === 1 && g.strideH === 1 && g.strideW === 1 && g.padH === 0 && g.padW === 0 && g.groups === 1;
const isDepthwise = (g: Conv2dGeometry) => g.groups === g.cin && g.cout === g.cin && g.cin % 4 === 0;

function check(g: Conv2dGeometry): void {
  if (g.cin % g.groups !== 0 || g.cout % g.groups !== 0) throw new Error(`webgpu: conv2d groups ${g.groups} do not divide channels`);
}

export function conv2d(ctx: KernelContext, a: KernelArgs['conv2d']): void {
  check(a);
  const m = a.n * a.oh * a.ow;
  if (m * a.cout <= 0) return;
  const x = phys(a.x), w = phys(a.weight), out = phys(a.out);
  if (isPointwise(a)) {
    matmulPhys(ctx, x, w, out, { batch: 1, m, n: a.cout, k: a.cin, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 });
    return;
  }
  const coutG = a.cout / a.groups, cinG = a.cin / a.groups;
  if (isDepthwise(a)) {
    const total = a.n * a.oh * Math.ceil(a.ow / 4) * (a.cin / 4);
    ctx.dispatch(ctx.pipe('conv2d', 'conv_dw', 'urrw'), params(a, total), [x, w, out], grid1d(total, 64));
  } else if (coutG % 4 === 0) {
    const total = Math.ceil(m / 4) * (a.cout / 4);
    ctx.dispatch(ctx.pipe('conv2d', cinG % 4 === 0 ? 'conv_gemm' : 'conv_gemm_s', 'urrw'), params(a, total), [x, w, out], grid1d(total, 64));
  } else {
    const total = m * a.cout;
    ctx.dispatch(ctx.pipe('conv2d', 'conv_generic', 'urrw'), params(a, total), [x, w, out], grid1d(total, 64));
  }
}

export function conv2dBackwardInput(ctx: KernelContext, a: KernelArgs['conv2dBackwardInput']): void {
  check(a);
  const npix = a.n * a.h * a.w;
  if (npix * a.cin <= 0) return;
  const dy = phys(a.dy), w = phys(a.weight), dx = phys(a.dx);
  if (isPointwise(a)) {
    matmulPhys(ctx, dy, w, dx, { batch: 1, m: npix, n: a.cin, k: a.cout, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
    return;
  }
  const coutG = a.cout / a.groups, cinG = a.cin / a.groups;
  if (isDepthwise(a)) {
    const total = a.n * a.h * Math.ceil(a.w / 4) * (a.cin / 4);
    ctx.dispatch(ctx.pipe('conv2dBwdInput', 'dxi_dw', 'urrw'), params(a, total), [dy, w, dx], grid1d(total, 64));
  } else if (cinG % 4 === 0 && coutG % 4 === 0) {
    const total = Math.ceil(npix / 4) * (a.cin / 4);
    ctx.dispatch(ctx.pipe('conv2dBwdInput', 'dxi_gemm', 'urrw'), params(a, total), [dy, w, dx], grid1d(total, 64));
  } else {
    const total = npix * a.cin;
    ctx.dispatch(ctx.pipe('conv2dBwdInput', 'dxi_generic', 'urrw'), params(a, total), [dy, w, dx], grid1d(total, 64));
  }
}

export function conv2dBackwardFilter(ctx: KernelContext, a: KernelArgs['conv2dBackwardFilter']): void {
  check(a);
  const cinG = a.cin / a.groups, coutG = a.cout / a.groups;
  const wsize = a.cout * a.kh * a.kw * cinG;
  if (wsize <= 0) return;
  const m = a.n * a.oh * a.ow;
  const x = phys(a.x), dy = phys(a.dy), dw = phys(a.dw);
  if (isPointwise(a)) {
    // dw [cout, cin] = dy^T [cout, M] . x [M, cin]: transA matmul (split over M when long)
    matmulPhys(ctx, dy, x, dw, { batch: 1, m: a.cout, n: a.cin, k: m, transA: true, transB: false, aBatchStride: 0, bBatchStride: 0 });
    return;
  }
  let entry: string, outThreads: number;
  if (isDepthwise(a)) { entry = 'dwf_dw'; outThreads = a.kh * a.kw * (a.cin / 4); }
  else if (cinG % 4 === 0 && coutG % 4 === 0) { entry = 'dwf_gemm'; outThreads = (a.cout / 4) * a.kh * a.kw * (cinG / 4); }
  else if (coutG % 4 === 0) { entry = 'dwf_co4'; outThreads = (a.cout / 4) * a.kh * a.kw * Math.ceil(cinG / 4); }
  else { entry = 'dwf_generic'; outThreads = wsize; }
  const target = ctx.variant === 'hardware' ? 32768 : 1024;
  let chunks = Math.max(1, Math.min(Math.ceil(target / outThreads), Math.ceil(m / 32)));
  const clen = Math.max(1, Math.ceil(m / chunks));
  chunks = Math.max(1, Math.ceil(m / clen));
  const total = outThreads * chunks;
  const pipe = ctx.pipe('conv2dBwdFilter', entry, 'urrw');
  if (chunks === 1) {
    ctx.dispatch(pipe, params(a, total, 1, clen), [x, dy, dw], grid1d(total, 64));
    return;
  }
  const tmp: PhysBuffer = ctx.temp(chunks * wsize * 4);
  ctx.dispatch(pipe, params(a, total, chunks, clen), [x, dy, tmp], grid1d(total, 64), null, 'partials');
  reducePhys(ctx, 'sum', tmp, dw, 1, chunks, wsize, 1);
  ctx.release(tmp);
}
