// Batched matmul. Variant per adapter:
// - software (lavapipe / llvmpipe / SwiftShader): matmul.wgsl, 4 x 4 register tiles, vec4 loads where
//   aligned, no workgroup memory and no barriers (barriers are very slow on CPU Vulkan).
// - hardware: matmul_tiled.wgsl, 64 x 64 workgroup tiles through workgroup memory, 4 x 4 per invocation.
// A long K with a small output (weight gradients: transA, batch 1) is split: K chunks run as a batch
// (plus one call for the remainder) into partial products, which a reduce then sums.
import type { KernelArgs } from '../../kernels';
import type { PhysBuffer } from '../buffer-pool';
import { phys, words, type KernelContext } from './context';
import { reducePhys } from './reduce';

export interface MatmulShape {
  batch: number; m: number; n: number; k: number; transA: boolean; transB: boolean;
  aBatchStride: number; bBatchStride: number;
}

interface Call extends MatmulShape { aOff: number; bOff: number; oOff: number }

function dispatchMatmul(ctx: KernelContext, a: PhysBuffer, b: PhysBuffer, out: PhysBuffer, s: Call, sub: string): void {
  const { batch, m, n, k, transA, transB } = s;
  if (batch > 65535) throw new Error(`webgpu: matmul batch ${batch} > 65535`);
  const aBS = batch > 1 ? s.aBatchStride : 0;
  const bBS = batch > 1 ? s.bBatchStride : 0;
  const params = words(m, n, k, aBS, bBS, s.aOff, s.bOff, s.oOff);
  const vecOut = n % 4 === 0 && s.oOff % 4 === 0;
  if (ctx.variant === 'hardware') {
    const pipe = ctx.pipe('matmulTiled', vecOut ? 'mm_tiled' : 'mm_tiled_s', 'urrw', { TA: transA, TB: transB });
    ctx.dispatch(pipe, params, [a, b, out], [Math.ceil(n / 64), Math.ceil(m / 64), batch], null, sub);
    return;
  }
  const VA = (transA ? m % 4 === 0 : k % 4 === 0) && aBS % 4 === 0 && s.aOff % 4 === 0;
  const VB = (transB ? k % 4 === 0 : n % 4 === 0) && bBS % 4 === 0 && s.bOff % 4 === 0;
  // 4 x 4 per invocation, 8 x 8 invocations per workgroup. (8 x 4 per invocation, 64 x 1 workgroups and
  // explicit fma measured within noise of this on lavapipe.)
  const WGX = 8, WGY = 8;
  const gx = Math.ceil(Math.ceil(n / 4) / WGX), gy = Math.ceil(Math.ceil(m / 4) / WGY);
  if (gx > 65535 || gy > 65535) throw new Error(`webgpu: matmul ${m}x${n} too large for one dispatch`);
  const pipe = ctx.pipe('matmul', vecOut ? 'mm' : 'mm_s', 'urrw', { TA: transA, TB: transB, VA, VB, WGX, WGY });
  ctx.dispatch(pipe, params, [a, b, out], [gx, gy, batch], null, sub);
}

export function matmulPhys(ctx: KernelContext, a: PhysBuffer, b: PhysBuffer, out: PhysBuffer, s: MatmulShape, sub = ''): void {
  const { batch, m, n, k } = s;
  if (batch * m * n <= 0) return;
  const tiles = Math.ceil(m / 4) * Math.ceil(n / 4);
  const target = ctx.variant === 'hardware' ? 32768 : 2048;
  if (batch === 1 && s.transA && !s.transB && k >= 2048 && tiles < target) {
    // split K: A chunk c is rows [c len, (c + 1) len) of the k x m storage (offset c len m), likewise B.
    const chunks = Math.min(Math.ceil(target / tiles), Math.floor(k / 512));
    const len = Math.ceil(k / chunks);
    const full = Math.floor(k / len);
    const rem = k - full * len;
    const parts = full + (rem > 0 ? 1 : 0);
    const tmp = ctx.temp(parts * m * n * 4);
    dispatchMatmul(ctx, a, b, tmp, { ...s, batch: full, k: len, aBatchStride: len * m, bBatchStride: len * n, aOff: 0, bOff: 0, oOff: 0 }, 'split-K');
    if (rem > 0) {
      dispatchMatmul(ctx, a, b, tmp, { ...s, batch: 1, k: rem, aOff: full * len * m, bOff: full * len * n, oOff: full * m * n }, 'split-K rest');
    }
    reducePhys(ctx, 'sum', tmp, out, 1, parts, m * n, 1);
    ctx.release(tmp);
    return;
  }
  dispatchMatmul(ctx, a, b, out, { ...s, aOff: 0, bOff: 0, oOff: 0 }, sub);
}

export function matmul(ctx: KernelContext, a: KernelArgs['matmul']): void {
  matmulPhys(ctx, phys(a.a), phys(a.b), phys(a.out), a);
}
