// Kernel benchmark for the WASM backend (not part of the engine):
//   npx esbuild engine/wasm/bench.ts --bundle --platform=node --format=esm --outfile=/tmp/wasm-bench.mjs && node /tmp/wasm-bench.mjs [threads]
import { createWasmBackend } from './backend';
import type { Backend, KernelArgs, KernelName, DeviceBuffer } from '../kernels';
import { kernelCost } from '../kernels';

function rnd(n: number): Float32Array {
  const a = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; a[i] = (s / 2 ** 32) * 2 - 1; }
  return a;
}

function buf(be: Backend, n: number): DeviceBuffer {
  const b = be.alloc(n * 4);
  be.write(b, rnd(n));
  return b;
}

function time<K extends KernelName>(be: Backend, kernel: K, args: KernelArgs[K], label: string, reps = 5): void {
  be.run(kernel, args, label); // warm-up
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    be.run(kernel, args, label);
    best = Math.min(best, performance.now() - t0);
  }
  const c = kernelCost(kernel, args);
  console.log(`${label.padEnd(48)} ${best.toFixed(2).padStart(8)} ms  ${(c.flops / best / 1e6).toFixed(1).padStart(6)} GFLOP/s`);
}

const threads = Number(process.argv[2] ?? 2);
const only = process.argv[3];
const be = await createWasmBackend({ threads });
console.log(be.description);

if (!only || only === 'mm') {
  for (const s of [256, 512, 1024]) {
    const a = buf(be, s * s), b = buf(be, s * s), out = be.alloc(s * s * 4);
    time(be, 'matmul', { a, b, out, batch: 1, m: s, n: s, k: s, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 }, `matmul ${s}^3`);
    if (s === 1024) {
      time(be, 'matmul', { a, b, out, batch: 1, m: s, n: s, k: s, transA: true, transB: false, aBatchStride: 0, bBatchStride: 0 }, `matmul ${s}^3 transA`);
      time(be, 'matmul', { a, b, out, batch: 1, m: s, n: s, k: s, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 }, `matmul ${s}^3 transB`);
    }
  }
}
if (!only || only === 'conv') {
  // 1x1 64->128 on 56x56 b32 as the op layer runs it: [100352,64] x [128,64]^T
  {
    const M = 32 * 56 * 56;
    const a = buf(be, M * 64), w = buf(be, 128 * 64), out = be.alloc(M * 128 * 4);
    time(be, 'matmul', { a, b: w, out, batch: 1, m: M, n: 128, k: 64, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 }, 'pw 1x1 64->128 56x56 b32 fwd (matmul)', 3);
    const dy = buf(be, M * 128), dx = be.alloc(M * 64 * 4), dw = be.alloc(128 * 64 * 4);
    time(be, 'matmul', { a: dy, b: w, out: dx, batch: 1, m: M, n: 64, k: 128, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 }, 'pw 1x1 bwd input (matmul)', 3);
    time(be, 'matmul', { a: dy, b: a, out: dw, batch: 1, m: 128, n: 64, k: M, transA: true, transB: false, aBatchStride: 0, bBatchStride: 0 }, 'pw 1x1 bwd filter (matmul)', 3);
  }
  const geo = (n: number, h: number, cin: number, cout: number, k: number, s: number, p: number, groups: number) => {
    const oh = Math.floor((h + 2 * p - k) / s) + 1;
    return { n, h, w: h, cin, cout, kh: k, kw: k, strideH: s, strideW: s, padH: p, padW: p, groups, oh, ow: oh };
  };
  for (const [name, g] of [
    ['dw 3x3 128ch 28x28 b32', geo(32, 28, 128, 128, 3, 1, 1, 128)],
    ['stem 3x3 s2 3->64 112x112 b32', geo(32, 112, 3, 64, 3, 2, 1, 1)],
  ] as const) {
    const x = buf(be, g.n * g.h * g.w * g.cin);
    const w = buf(be, g.cout * g.kh * g.kw * (g.cin / g.groups));
    const out = be.alloc(g.n * g.oh * g.ow * g.cout * 4);
    const dy = buf(be, g.n * g.oh * g.ow * g.cout);
    const dx = be.alloc(g.n * g.h * g.w * g.cin * 4);
    const dw = be.alloc(g.cout * g.kh * g.kw * (g.cin / g.groups) * 4);
    time(be, 'conv2d', { ...g, x, weight: w, out }, `${name} fwd`, 3);
    time(be, 'conv2dBackwardInput', { ...g, dy, weight: w, dx }, `${name} bwd input`, 3);
    time(be, 'conv2dBackwardFilter', { ...g, x, dy, dw }, `${name} bwd filter`, 3);
  }
}
be.destroy();
