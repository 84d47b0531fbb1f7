// Per-channel kernels over [rows, channels] (channels last): channelSums, channelAffine, prelu,
// preluBackward (shaders/channel.wgsl). channels % 4 == 0 runs the vec4 build of the shader
// ('channel4'), so every size below counts elements of the shader's T: cv = channels / width.
//
// Sums over many rows (channelSums, preluBackward's dalpha) split the rows into chunks: one partial per
// (chunk, channel), then a final pass adds the chunk partials in order (like reduce's [outer, r, inner]
// case). Software adapters: one invocation per (chunk, channel), no barriers. Hardware: a workgroup per
// (chunk, tile of CL channels) with RL = 256 / CL row lanes reduced in workgroup memory.
import type { KernelArgs } from '../../kernels';
import type { PhysBuffer } from '../buffer-pool';
import type { ShaderName } from '../shaders';
import { grid1d } from '../constants';
import { phys, words, type KernelContext } from './context';

/** Longest chunk of rows one software invocation sums (in 256-row blocks). */
const SW_MAX_LEN = 4096;
/** Invocations to aim for on software adapters (workgroups of 64 spread over the CPU threads), and the
 * fewest rows per chunk. */
const SW_TARGET = 2048;
const SW_MIN_LEN = 32;
const HW_TARGET_GROUPS = 256;

interface Split {
  shader: ShaderName; cv: number; chunks: number; len: number;
  /** 'chunk' or 'wg' entry point suffix, workgroups / invocations, override constants. */
  entry: 'chunk' | 'wg'; groups: [number, number, number]; constants?: Record<string, number>;
}

const pow2AtLeast = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

function widthOf(channels: number): { shader: ShaderName; cv: number } {
  return channels % 4 === 0 ? { shader: 'channel4', cv: channels / 4 } : { shader: 'channel', cv: channels };
}

function splitRows(ctx: KernelContext, rows: number, channels: number): Split {
  const { shader, cv } = widthOf(channels);
  const fit = (chunks: number) => {
    const len = Math.max(1, Math.ceil(rows / Math.max(1, chunks)));
    return { len, chunks: Math.max(1, Math.ceil(rows / len)) };
  };
  if (ctx.variant === 'hardware') {
    const CL = Math.min(64, pow2AtLeast(cv));
    const RL = 256 / CL;
    const tiles = Math.ceil(cv / CL);
    // at most 256 rows per row lane; enough workgroups to fill the device; at least 4 rows per lane
    const want = Math.max(Math.ceil(rows / (RL * 256)), Math.min(Math.ceil(rows / (RL * 4)), Math.ceil(HW_TARGET_GROUPS / tiles)));
    const { len, chunks } = fit(want);
    return { shader, cv, chunks, len, entry: 'wg', groups: grid1d(tiles * chunks, 1), constants: { CL } };
  }
  let want = 1;
  if (cv < SW_TARGET && rows >= 2 * SW_MIN_LEN) want = Math.min(Math.ceil(SW_TARGET / cv), Math.ceil(rows / SW_MIN_LEN));
  want = Math.max(want, Math.ceil(rows / SW_MAX_LEN));
  const { len, chunks } = fit(want);
  return { shader, cv, chunks, len, entry: 'chunk', groups: grid1d(cv * chunks, 64) };
}

export function channelSums(ctx: KernelContext, a: KernelArgs['channelSums']): void {
  if (a.channels <= 0) return;
  const rows = Math.max(0, a.rows);
  const s = splitRows(ctx, rows, a.channels);
  const params = words(rows, s.cv, s.chunks, s.len, s.cv * s.chunks);
  const pipe = ctx.pipe(s.shader, `sums_${s.entry}`, 'urrrrww', s.constants);
  const ins = [phys(a.a), phys(a.b), phys(a.centerA), phys(a.centerB)];
  const sumA = phys(a.sumA), sumAB = phys(a.sumAB);
  if (s.chunks === 1) {
    ctx.dispatch(pipe, params, [...ins, sumA, sumAB], s.groups);
    return;
  }
  const tA = ctx.temp(s.chunks * a.channels * 4), tAB = ctx.temp(s.chunks * a.channels * 4);
  ctx.dispatch(pipe, params, [...ins, tA, tAB], s.groups, null, 'chunks');
  ctx.dispatch(ctx.pipe(s.shader, 'final2', 'urrrrww'), params, [tA, tAB, tA, tAB, sumA, sumAB], grid1d(s.cv, 256), null, 'final');
  ctx.release(tA);
  ctx.release(tAB);
}

export function preluBackward(ctx: KernelContext, a: KernelArgs['preluBackward']): void {
  if (a.channels <= 0) return;
  const rows = Math.max(0, a.rows);
  const s = splitRows(ctx, rows, a.channels);
  const params = words(rows, s.cv, s.chunks, s.len, s.cv * s.chunks);
  const pipe = ctx.pipe(s.shader, `pbwd_${s.entry}`, 'urrrrww', s.constants);
  const alpha = phys(a.alpha);
  const ins = [phys(a.x), alpha, phys(a.dy), alpha];
  const dx = phys(a.dx), dalpha = phys(a.dalpha);
  if (s.chunks === 1) {
    ctx.dispatch(pipe, params, [...ins, dx, dalpha], s.groups);
    return;
  }
  const t: PhysBuffer = ctx.temp(s.chunks * a.channels * 4);
  ctx.dispatch(pipe, params, [...ins, dx, t], s.groups, null, 'chunks');
  ctx.dispatch(ctx.pipe(s.shader, 'final1', 'urw'), params, [t, dalpha], grid1d(s.cv, 256), null, 'final');
  ctx.release(t);
}

/** Elementwise kernels: one element (T) per invocation on hardware; (chunk of rows, channel) on software. */
function elementwise(ctx: KernelContext, rows: number, channels: number, entry: string, sig: string,
  bufs: PhysBuffer[], constants?: Record<string, number | boolean>): void {
  const { shader, cv } = widthOf(channels);
  if (ctx.variant === 'software') {
    const s = splitRows(ctx, rows, channels);
    ctx.dispatch(ctx.pipe(shader, `${entry}_chunk`, sig, constants), words(rows, cv, s.chunks, s.len, cv * s.chunks), bufs, s.groups);
    return;
  }
  const total = rows * cv;
  ctx.dispatch(ctx.pipe(shader, entry, sig, constants), words(rows, cv, 1, 0, total), bufs, grid1d(total, 256));
}

export function channelAffine(ctx: KernelContext, a: KernelArgs['channelAffine']): void {
  if (a.rows <= 0 || a.channels <= 0) return;
  const x = phys(a.a), s1 = phys(a.s1);
  const bufs = [x, a.hasB ? phys(a.b) : x, s1, a.hasB ? phys(a.s2) : s1, phys(a.s3), phys(a.out)];
  elementwise(ctx, a.rows, a.channels, 'affine', 'urrrrrw', bufs, { HAS_B: a.hasB });
}

export function prelu(ctx: KernelContext, a: KernelArgs['prelu']): void {
  if (a.rows <= 0 || a.channels <= 0) return;
  elementwise(ctx, a.rows, a.channels, 'prelu', 'urrw', [phys(a.x), phys(a.alpha), phys(a.out)]);
}
