// WebGPU kernels vs the f64 reference backend: random inputs, odd sizes, poisoned outputs; both kernel
// variants ('software': no barriers, 'hardware': workgroup-memory tiles) run on whatever adapter is here.
// Plus: steady-state counters, write-after-free ordering, compile errors with line:col, profiling.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createReferenceBackend } from './reference/backend';
import { expectClose } from './helpers';
import { nodeGPU } from '../engine/webgpu/node';
import { createWebGPUBackend, compileWGSL, type WebGPUBackend } from '../engine/webgpu/backend';
import type { Backend, Conv2dGeometry, DeviceBuffer, DType, KernelArgs, KernelName } from '../engine/kernels';
import { UNARY_OPS, BINARY_OPS } from '../engine/kernels';

process.env.XDG_RUNTIME_DIR ??= '/tmp';

let seed = 12345;
function rand(): number { seed = (seed * 1664525 + 1013904223) >>> 0; return seed / 2 ** 32; }
/** Random values in [lo, hi), never within 0.05 of zero. */
function randF(n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = lo + (hi - lo) * rand();
    if (Math.abs(v) < 0.05) v = v < 0 ? -0.05 - 0.1 * rand() : 0.05 + 0.1 * rand();
    a[i] = v;
  }
  return a;
}
function randI(n: number, lo: number, hi: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.floor((hi - lo) * rand());
  return a;
}

type Data = Float32Array | Int32Array | Uint32Array;
interface OutSpec { n: number; dtype?: DType; init?: Data; extra?: number }
interface Case {
  kernel: KernelName;
  inputs: Record<string, Data>;
  outputs: Record<string, OutSpec>;
  params: Record<string, unknown>;
  rtol?: number;
  atol?: number;
  /** Arguments bound to another argument's buffer (e.g. { b: 'a' }: channelSums with a and b the same buffer). */
  alias?: Record<string, string>;
}

let gpu: GPU | null = null;
let ref: Backend;
let sw: WebGPUBackend;
let hw: WebGPUBackend;

beforeAll(async () => {
  ref = createReferenceBackend();
  gpu = await nodeGPU();
  sw = await createWebGPUBackend(gpu, { variant: 'software' });
  hw = await createWebGPUBackend(gpu, { variant: 'hardware' });
});
afterAll(() => { sw?.destroy(); hw?.destroy(); });

async function runCase(be: Backend, c: Case): Promise<Record<string, ArrayLike<number>>> {
  const bufs: Record<string, DeviceBuffer> = {};
  for (const [k, d] of Object.entries(c.inputs)) { bufs[k] = be.alloc(Math.max(4, d.byteLength)); be.write(bufs[k], d); }
  for (const [k, o] of Object.entries(c.outputs)) {
    const n = o.n + (o.extra ?? 3); // a few poisoned elements past the end must stay untouched
    bufs[k] = be.alloc(n * 4);
    const init = new Float32Array(n).fill(NaN);
    if (o.dtype && o.dtype !== 'f32') new Int32Array(init.buffer).fill(-12345);
    if (o.init) (o.dtype && o.dtype !== 'f32' ? new Int32Array(init.buffer) : init).set(o.init);
    be.write(bufs[k], o.dtype && o.dtype !== 'f32' ? new Int32Array(init.buffer) : init);
  }
  const bound: Record<string, DeviceBuffer> = { ...bufs };
  for (const [k, to] of Object.entries(c.alias ?? {})) bound[k] = bufs[to];
  be.run(c.kernel, { ...c.params, ...bound } as unknown as KernelArgs[typeof c.kernel], `test ${c.kernel}`);
  const res: Record<string, ArrayLike<number>> = {};
  for (const [k, o] of Object.entries(c.outputs)) {
    const n = o.n + (o.extra ?? 3);
    const got = await be.read(bufs[k], o.dtype ?? 'f32', n);
    res[k] = got;
  }
  for (const b of Object.values(bufs)) be.free(b);
  return res;
}

async function check(c: Case, backends: WebGPUBackend[] = [sw]): Promise<void> {
  const want = await runCase(ref, c);
  // the reference backend leaves the poisoned tail as written: the same NaN / -12345 sentinels
  for (const be of backends) {
    const got = await runCase(be, c);
    for (const k of Object.keys(c.outputs)) {
      const what = `${c.kernel} ${k} (${be.variant}) ${JSON.stringify(c.params)}`;
      const u32 = c.outputs[k].dtype === 'u32';
      const w = Array.from(want[k], (v) => (u32 ? v >>> 0 : v));
      expectClose(Array.from(got[k]), w, c.rtol ?? 1e-5, c.atol ?? 1e-6, what);
    }
  }
}

const geos: Partial<Conv2dGeometry>[] = [
  { n: 2, h: 5, w: 7, cin: 8, cout: 12, kh: 1, kw: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, groups: 1 }, // pointwise
  { n: 2, h: 6, w: 5, cin: 8, cout: 12, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, groups: 1 }, // gemm vec
  { n: 2, h: 9, w: 11, cin: 3, cout: 8, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, groups: 1 }, // stem
  { n: 2, h: 9, w: 7, cin: 8, cout: 8, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, groups: 8 }, // depthwise
  { n: 1, h: 5, w: 6, cin: 6, cout: 6, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, groups: 6 }, // dw, C % 4 != 0
  { n: 2, h: 5, w: 5, cin: 8, cout: 8, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, groups: 2 }, // grouped gemm
  { n: 1, h: 6, w: 5, cin: 6, cout: 9, kh: 2, kw: 3, strideH: 1, strideW: 2, padH: 0, padW: 1, groups: 3 }, // generic
  { n: 2, h: 7, w: 7, cin: 5, cout: 7, kh: 1, kw: 1, strideH: 2, strideW: 2, padH: 0, padW: 0, groups: 1 }, // 1x1 s2 generic
  { n: 3, h: 7, w: 7, cin: 8, cout: 8, kh: 7, kw: 7, strideH: 1, strideW: 1, padH: 0, padW: 0, groups: 8 }, // GDC 7x7
  { n: 2, h: 8, w: 8, cin: 4, cout: 4, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 0, padW: 0, groups: 1 }, // no pad, stride 2
];
const full = (g: Partial<Conv2dGeometry>): Conv2dGeometry => ({
  ...(g as Conv2dGeometry),
  oh: Math.floor((g.h! + 2 * g.padH! - g.kh!) / g.strideH!) + 1,
  ow: Math.floor((g.w! + 2 * g.padW! - g.kw!) / g.strideW!) + 1,
});

describe('webgpu kernels', () => {
  it('fill (f32 / i32 / u32, partial vec4 tails untouched)', async () => {
    for (const n of [1, 7, 4096, 70001]) {
      await check({ kernel: 'fill', inputs: {}, outputs: { out: { n } }, params: { n, value: -2.75, dtype: 'f32' } });
      await check({ kernel: 'fill', inputs: {}, outputs: { out: { n, dtype: 'i32' } }, params: { n, value: -7, dtype: 'i32' } });
    }
    await check({ kernel: 'fill', inputs: {}, outputs: { out: { n: 9, dtype: 'u32' } }, params: { n: 9, value: 123, dtype: 'u32' } });
  });

  it('unary, every op', async () => {
    for (const op of UNARY_OPS) {
      for (const n of [1, 5, 4099]) {
        let lo = -3, hi = 3;
        if (['log', 'sqrt', 'rsqrt', 'powc'].includes(op)) { lo = 0.05; hi = 4; }
        if (op === 'acos') { lo = -0.99; hi = 0.99; }
        const a = op === 'clamp' ? -0.5 : op === 'affine' ? 1.7 : op === 'powc' ? 2.5 : 0;
        const b = op === 'clamp' ? 0.7 : op === 'affine' ? -0.3 : 0;
        const x = randF(n, lo, hi);
        const trans = ['exp', 'log', 'sin', 'cos', 'acos', 'tanh', 'sigmoid', 'powc', 'rsqrt'].includes(op);
        await check({ kernel: 'unary', inputs: { x }, outputs: { out: { n } }, params: { op, n, a, b },
          rtol: trans ? 2e-5 : 1e-6, atol: trans ? 2e-6 : 1e-7 });
      }
    }
    // powc at 0
    const x = new Float32Array([0, 1, 2, 0, 3]);
    for (const a of [0, 2, 0.5]) {
      await check({ kernel: 'unary', inputs: { x }, outputs: { out: { n: 5 } }, params: { op: 'powc', n: 5, a, b: 0 } });
    }
  });

  it('binary, every op, broadcasting shapes', async () => {
    const shapes: { shape: number[]; aStrides: number[]; bStrides: number[]; aN: number; bN: number }[] = [
      { shape: [7, 13], aStrides: [13, 1], bStrides: [13, 1], aN: 91, bN: 91 },           // contiguous, odd
      { shape: [5, 9], aStrides: [9, 1], bStrides: [0, 0], aN: 45, bN: 1 },               // scalar b
      { shape: [5, 9], aStrides: [0, 0], bStrides: [9, 1], aN: 1, bN: 45 },               // scalar a
      { shape: [6, 8], aStrides: [8, 1], bStrides: [0, 1], aN: 48, bN: 8 },               // row bias (vec4)
      { shape: [6, 8], aStrides: [8, 1], bStrides: [1, 0], aN: 48, bN: 6 },               // column (vec4)
      { shape: [6, 8], aStrides: [1, 0], bStrides: [8, 1], aN: 6, bN: 48 },               // column a
      { shape: [2, 3, 5, 7], aStrides: [105, 35, 7, 1], bStrides: [0, 7, 0, 1], aN: 210, bN: 21 },
      { shape: [3, 1, 5], aStrides: [5, 5, 1], bStrides: [1, 0, 0], aN: 15, bN: 3 },
      { shape: [4, 3], aStrides: [1, 4], bStrides: [3, 1], aN: 12, bN: 12 },              // transposed a
      { shape: [], aStrides: [], bStrides: [], aN: 1, bN: 1 },                            // rank 0
      { shape: [2, 2, 2, 2, 3, 2], aStrides: [48, 24, 12, 6, 2, 1], bStrides: [0, 12, 0, 6, 2, 1], aN: 96, bN: 24 },
    ];
    for (const op of BINARY_OPS) {
      for (const s of shapes) {
        const n = s.shape.reduce((p, d) => p * d, 1);
        const cmp = ['gt', 'ge', 'lt', 'le', 'eq', 'ne', 'max', 'min'].includes(op);
        const a = cmp ? Float32Array.from(randI(s.aN, -2, 3)) : op === 'pow' ? randF(s.aN, 0.1, 3) : randF(s.aN, -2, 2);
        const b = cmp ? Float32Array.from(randI(s.bN, -2, 3)) : op === 'pow' ? randF(s.bN, -2, 2) : randF(s.bN, -2, 2);
        await check({ kernel: 'binary', inputs: { a, b }, outputs: { out: { n } }, params: { op, ...s },
          rtol: op === 'pow' ? 2e-5 : 1e-6, atol: 1e-7 });
      }
    }
    // pow with negative bases and integer exponents
    const a = new Float32Array([-2, -3, -1.5, 0, 0, 2]);
    const b = new Float32Array([2, 3, 2, 2, 0, -1]);
    await check({ kernel: 'binary', inputs: { a, b }, outputs: { out: { n: 6 } },
      params: { op: 'pow', shape: [6], aStrides: [1], bStrides: [1] } });
  });

  it('where with broadcasting (bits, any dtype)', async () => {
    const cond = Float32Array.from(randI(12, 0, 2), (v) => v * (rand() < 0.5 ? 1 : -1.5));
    const a = randF(35), b = randF(7);
    await check({ kernel: 'where', inputs: { cond, a, b }, outputs: { out: { n: 5 * 7 * 12 / 12 * 12 } },
      params: { shape: [5, 7, 12], condStrides: [0, 0, 1], aStrides: [7, 1, 0], bStrides: [0, 1, 0] } });
    const c2 = Float32Array.from(randI(33, 0, 2));
    await check({ kernel: 'where', inputs: { cond: c2, a: randF(33), b: randF(33) }, outputs: { out: { n: 33 } },
      params: { shape: [33], condStrides: [1], aStrides: [1], bStrides: [1] } });
  });

  it('copy: transpose, slice, concat into offset, contiguous with offsets, int bits', async () => {
    const x = randF(5 * 7 * 3);
    // transpose [5,7,3] -> [3,5,7]
    await check({ kernel: 'copy', inputs: { x }, outputs: { out: { n: 105 } },
      params: { shape: [3, 5, 7], xStrides: [1, 21, 3], xOffset: 0, outStrides: [35, 7, 1], outOffset: 0 } });
    // slice rows 1..4, cols 2..6 of [5, 21] into a [3, 4] region at offset 5 of a 30-element buffer
    await check({ kernel: 'copy', inputs: { x }, outputs: { out: { n: 30 } },
      params: { shape: [3, 4], xStrides: [21, 1], xOffset: 23, outStrides: [8, 1], outOffset: 5 } });
    // contiguous, aligned offsets, odd length (vec4 path with a partial tail)
    await check({ kernel: 'copy', inputs: { x }, outputs: { out: { n: 80 } },
      params: { shape: [61], xStrides: [1], xOffset: 8, outStrides: [1], outOffset: 12 } });
    // contiguous, unaligned offsets
    await check({ kernel: 'copy', inputs: { x }, outputs: { out: { n: 80 } },
      params: { shape: [3, 21], xStrides: [21, 1], xOffset: 1, outStrides: [21, 1], outOffset: 3 } });
    // broadcast-expand [1, 7] -> [4, 7]
    await check({ kernel: 'copy', inputs: { x }, outputs: { out: { n: 28 } },
      params: { shape: [4, 7], xStrides: [0, 1], xOffset: 2, outStrides: [7, 1], outOffset: 0 } });
    // int32 bits
    const xi = randI(40, -1000000, 1000000);
    await check({ kernel: 'copy', inputs: { x: xi }, outputs: { out: { n: 40, dtype: 'i32' } },
      params: { shape: [8, 5], xStrides: [1, 8], xOffset: 0, outStrides: [5, 1], outOffset: 0 } });
  });

  it('cast', async () => {
    const f = Float32Array.from(randF(37, -100, 100));
    await check({ kernel: 'cast', inputs: { x: f }, outputs: { out: { n: 37, dtype: 'i32' } }, params: { n: 37, from: 'f32', to: 'i32' } });
    const fp = Float32Array.from(randF(37, 0, 100));
    await check({ kernel: 'cast', inputs: { x: fp }, outputs: { out: { n: 37, dtype: 'u32' } }, params: { n: 37, from: 'f32', to: 'u32' } });
    const i = randI(41, -5000, 5000);
    await check({ kernel: 'cast', inputs: { x: i }, outputs: { out: { n: 41 } }, params: { n: 41, from: 'i32', to: 'f32' } });
    const u = Uint32Array.from(randI(41, 0, 100000));
    await check({ kernel: 'cast', inputs: { x: u }, outputs: { out: { n: 41 } }, params: { n: 41, from: 'u32', to: 'f32' } });
    await check({ kernel: 'cast', inputs: { x: Int32Array.from(randI(9, 0, 100)) }, outputs: { out: { n: 9, dtype: 'u32' } }, params: { n: 9, from: 'i32', to: 'u32' } });
  });

  it('reduce: sum / max / min over [outer, r, inner], chunked and workgroup paths', async () => {
    const shapes = [[3, 17, 5], [1, 1000, 1], [7, 300, 1], [1, 5000, 8], [2, 1, 3], [1, 20000, 3], [40, 64, 1], [5, 3, 4], [1, 70000, 1]];
    for (const op of ['sum', 'max', 'min'] as const) {
      for (const [outer, r, inner] of shapes) {
        const x = randF(outer * r * inner);
        await check({ kernel: 'reduce', inputs: { x }, outputs: { out: { n: outer * inner } }, params: { op, outer, r, inner },
          rtol: op === 'sum' ? 1e-4 : 0, atol: op === 'sum' ? 2e-6 * Math.sqrt(r) : 0 }, [sw, hw]);
      }
    }
  });

  it('matmul: transposes, odd sizes, batches with broadcast strides', async () => {
    const sizes = [[1, 1, 1], [7, 5, 3], [33, 17, 65], [130, 36, 12], [16, 32, 64], [9, 130, 7], [64, 64, 33]];
    for (const [m, n, k] of sizes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = randF(m * k), b = randF(k * n);
          await check({ kernel: 'matmul', inputs: { a, b }, outputs: { out: { n: m * n } },
            params: { batch: 1, m, n, k, transA, transB, aBatchStride: 0, bBatchStride: 0 },
            rtol: 1e-4, atol: 1e-5 * Math.sqrt(k) }, [sw, hw]);
        }
      }
    }
    // long K with a small output: split into K chunks (+ remainder) and reduced
    for (const [m, n, k] of [[12, 8, 4099], [5, 3, 3000], [16, 16, 8192]]) {
      const a = randF(m * k), b = randF(k * n);
      await check({ kernel: 'matmul', inputs: { a, b }, outputs: { out: { n: m * n } },
        params: { batch: 1, m, n, k, transA: true, transB: false, aBatchStride: 0, bBatchStride: 0 },
        rtol: 1e-4, atol: 1e-5 * Math.sqrt(k) }, [sw, hw]);
    }
    for (const [m, n, k, aBS, bBS] of [[5, 8, 12, 60, 0], [4, 4, 4, 0, 16], [7, 3, 5, 35, 15], [8, 12, 16, 128, 192]]) {
      const batch = 3;
      const a = randF(aBS ? batch * aBS : m * k), b = randF(bBS ? batch * bBS : k * n);
      for (const transA of [false, true]) {
        await check({ kernel: 'matmul', inputs: { a, b }, outputs: { out: { n: batch * m * n } },
          params: { batch, m, n, k, transA, transB: !transA, aBatchStride: aBS, bBatchStride: bBS },
          rtol: 1e-4, atol: 1e-5 * Math.sqrt(k) }, [sw, hw]);
      }
    }
  });

  it('gatherRows / scatterRows / scatterAddRows (duplicates, out of range)', async () => {
    for (const cols of [5, 8]) {
      const tableRows = 6, rows = 9;
      const table = randF(tableRows * cols);
      const idx = new Int32Array([0, 5, 2, 2, -1, 6, 3, 0, 5]);
      await check({ kernel: 'gatherRows', inputs: { table, idx }, outputs: { out: { n: rows * cols } }, params: { rows, cols, tableRows } });
      const src = randF(rows * cols);
      const init = randF(tableRows * cols);
      await check({ kernel: 'scatterAddRows', inputs: { src, idx }, outputs: { out: { n: tableRows * cols, init } }, params: { rows, cols, outRows: tableRows } });
      await check({ kernel: 'scatterRows', inputs: { src, idx }, outputs: { out: { n: tableRows * cols, init } }, params: { rows, cols, outRows: tableRows } });
    }
    // many rows, one column: order of accumulation must be r order (exactly like the reference in f32)
    const rows = 300, cols = 1;
    const idx = randI(rows, -1, 4);
    await check({ kernel: 'scatterAddRows', inputs: { src: randF(rows), idx }, outputs: { out: { n: 3, init: new Float32Array(3) } },
      params: { rows, cols, outRows: 3 }, rtol: 1e-5, atol: 1e-5 });
  });

  it('takeAlongLast / putAlongLastAdd', async () => {
    const rows = 7, cols = 11, k = 4;
    const x = randF(rows * cols);
    const idx = randI(rows * k, -2, cols + 2);
    idx[1] = idx[0]; // a duplicate in row 0
    await check({ kernel: 'takeAlongLast', inputs: { x, idx }, outputs: { out: { n: rows * k } }, params: { rows, cols, k } });
    await check({ kernel: 'putAlongLastAdd', inputs: { src: randF(rows * k), idx }, outputs: { out: { n: rows * cols, init: randF(rows * cols) } },
      params: { rows, cols, k } });
  });

  it('topk with ties, k up to 64', async () => {
    for (const [rows, cols, k] of [[5, 37, 1], [5, 37, 5], [3, 37, 37], [4, 200, 64], [2, 9, 9]]) {
      const x = Float32Array.from(randI(rows * cols, -20, 20), (v) => v / 4);
      await check({ kernel: 'topk', inputs: { x }, outputs: { values: { n: rows * k }, indices: { n: rows * k, dtype: 'i32' } },
        params: { rows, cols, k }, rtol: 0, atol: 0 });
    }
  });

  it('logSoftmax', async () => {
    for (const [rows, cols] of [[5, 1], [3, 100], [2, 3000], [130, 10]]) {
      const x = randF(rows * cols, -8, 8);
      await check({ kernel: 'logSoftmax', inputs: { x }, outputs: { out: { n: rows * cols } }, params: { rows, cols },
        rtol: 1e-5, atol: 2e-5 }, [sw, hw]);
    }
  });

  it('conv2d / conv2dBackwardInput / conv2dBackwardFilter', async () => {
    for (const p of geos) {
      const g = full(p);
      const xs = g.n * g.h * g.w * g.cin, ws = g.cout * g.kh * g.kw * (g.cin / g.groups), ys = g.n * g.oh * g.ow * g.cout;
      const x = randF(xs), w = randF(ws), dy = randF(ys);
      const red = g.kh * g.kw * g.cin / g.groups;
      await check({ kernel: 'conv2d', inputs: { x, weight: w }, outputs: { out: { n: ys, extra: 0 } }, params: { ...g }, rtol: 1e-4, atol: 1e-5 * Math.sqrt(red) }, [sw, hw]);
      await check({ kernel: 'conv2dBackwardInput', inputs: { dy, weight: w }, outputs: { dx: { n: xs, extra: 0 } }, params: { ...g }, rtol: 1e-4, atol: 1e-5 * Math.sqrt(red) });
      await check({ kernel: 'conv2dBackwardFilter', inputs: { x, dy }, outputs: { dw: { n: ws, extra: 0 } }, params: { ...g }, rtol: 1e-4, atol: 2e-5 * Math.sqrt(g.n * g.oh * g.ow) }, [sw, hw]);
    }
  });

  it('conv2dBackwardFilter splits long pixel ranges into chunks', async () => {
    for (const p of [
      { n: 4, h: 28, w: 28, cin: 8, cout: 8, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, groups: 8 },
      { n: 4, h: 20, w: 20, cin: 8, cout: 16, kh: 1, kw: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, groups: 1 },
      { n: 4, h: 30, w: 30, cin: 8, cout: 12, kh: 1, kw: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, groups: 1 },
      { n: 2, h: 30, w: 30, cin: 3, cout: 4, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, groups: 1 },
    ]) {
      const g = full(p);
      const xs = g.n * g.h * g.w * g.cin, ws = g.cout * g.kh * g.kw * (g.cin / g.groups), ys = g.n * g.oh * g.ow * g.cout;
      await check({ kernel: 'conv2dBackwardFilter', inputs: { x: randF(xs), dy: randF(ys) }, outputs: { dw: { n: ws, extra: 0 } }, params: { ...g },
        rtol: 1e-4, atol: 2e-5 * Math.sqrt(g.n * g.oh * g.ow) }, [sw, hw]);
    }
  });

  it('sgd (momentum, nesterov, weight decay) and axpby, in place', async () => {
    for (const n of [1, 6, 1001]) {
      for (const [momentum, nesterov, weightDecay] of [[0, false, 0], [0.9, false, 5e-4], [0.9, true, 1e-2]] as const) {
        await check({ kernel: 'sgd', inputs: { grad: randF(n) }, outputs: { param: { n, init: randF(n) }, velocity: { n, init: randF(n) } },
          params: { n, lr: 0.05, momentum, weightDecay, nesterov } });
      }
      await check({ kernel: 'axpby', inputs: { x: randF(n) }, outputs: { y: { n, init: randF(n) } }, params: { n, alpha: 0.3, beta: 0.7 } });
    }
  });
});

describe('webgpu per-channel kernels', () => {
  const CHANNELS = [1, 3, 17, 64, 130];
  const ROWS = [1, 7, 1000, 70000];
  // sums over up to 70000 rows: the reference sums in f64
  const sumTol = (rows: number) => ({ rtol: 1e-5, atol: 8e-6 * Math.sqrt(rows) });

  it('channelSums (centred, a and b the same buffer or not), both variants', async () => {
    for (const channels of CHANNELS) for (const rows of ROWS) {
      const n = rows * channels;
      const a = randF(n), b = randF(n), centerA = randF(channels, -0.3, 0.3), centerB = randF(channels, -0.3, 0.3);
      const outputs = { sumA: { n: channels }, sumAB: { n: channels } };
      await check({ kernel: 'channelSums', inputs: { a, b, centerA, centerB }, outputs, params: { rows, channels }, ...sumTol(rows) }, [sw, hw]);
      await check({
        kernel: 'channelSums', inputs: { a, centerA, centerB: centerA }, alias: { b: 'a' }, outputs, params: { rows, channels }, ...sumTol(rows),
      }, [sw, hw]);
    }
    // 10^6 rows of one channel, centred on the mean: accuracy of the chunked sums
    const rows = 1_000_000, a = randF(rows, 0.5, 1.5);
    await check({
      kernel: 'channelSums', inputs: { a, centerA: new Float32Array([1]) }, alias: { b: 'a', centerB: 'centerA' },
      outputs: { sumA: { n: 1 }, sumAB: { n: 1 } }, params: { rows, channels: 1 }, rtol: 1e-5, atol: 2e-3,
    }, [sw, hw]);
  });

  it('channelAffine (with and without b) and prelu', async () => {
    for (const channels of CHANNELS) for (const rows of ROWS) {
      const n = rows * channels;
      const a = randF(n), b = randF(n), s1 = randF(channels), s2 = randF(channels), s3 = randF(channels);
      await check({ kernel: 'channelAffine', inputs: { a, b, s1, s2, s3 }, outputs: { out: { n } }, params: { rows, channels, hasB: true } }, [sw, hw]);
      await check({ kernel: 'channelAffine', inputs: { a, s1, s3 }, alias: { b: 'a', s2: 's1' }, outputs: { out: { n } }, params: { rows, channels, hasB: false } }, [sw, hw]);
      await check({ kernel: 'prelu', inputs: { x: a, alpha: s1 }, outputs: { out: { n } }, params: { rows, channels } }, [sw, hw]);
    }
  });

  it('preluBackward (dx and dalpha), both variants', async () => {
    for (const channels of CHANNELS) for (const rows of ROWS) {
      const n = rows * channels;
      await check({
        kernel: 'preluBackward', inputs: { x: randF(n), alpha: randF(channels), dy: randF(n) },
        outputs: { dx: { n }, dalpha: { n: channels } }, params: { rows, channels }, ...sumTol(rows),
      }, [sw, hw]);
    }
  });

  it('past 65535 workgroups (2-D grid)', async () => {
    const rows = 300_000, channels = 64, n = rows * channels; // 4.8M vec4 -> 75000 workgroups of 256
    const a = randF(n), s1 = randF(channels), s3 = randF(channels);
    await check({ kernel: 'channelAffine', inputs: { a, s1, s3 }, alias: { b: 'a', s2: 's1' }, outputs: { out: { n } }, params: { rows, channels, hasB: false } });
  });
});

describe('webgpu backend behaviour', () => {
  it('reports validation errors at the next sync, also without debug mode', async () => {
    const x = sw.alloc(40);
    sw.run('unary', { op: 'neg', x, out: x, n: 10, a: 0, b: 0 }, 'neg aliased');
    await expect(sw.sync()).rejects.toThrow(/webgpu/);
    await sw.sync();
    sw.free(x);
  });

  it('describes the adapter', () => {
    expect(sw.name).toBe('webgpu');
    expect(sw.description).toMatch(/^webgpu: /);
    expect(typeof sw.isSoftware).toBe('boolean');
  });

  it('write after free is ordered after the work that still reads the old contents', async () => {
    const be = sw;
    const x = be.alloc(64), out = be.alloc(64);
    be.write(x, new Float32Array(16).fill(2));
    be.run('unary', { op: 'neg', x, out, n: 16, a: 0, b: 0 }, 'neg');
    be.free(x);
    const y = be.alloc(64); // likely the same pooled buffer as x
    be.write(y, new Float32Array(16).fill(5));
    const got = await be.read(out, 'f32', 16);
    expect(Array.from(got)).toEqual(new Array(16).fill(-2));
    be.free(y); be.free(out);
  });

  it('steady state: a repeated step creates no buffers, pipelines or bind groups', async () => {
    const be = sw;
    const snapshots: ReturnType<Backend['stats']>[] = [];
    const w = be.alloc(16 * 24 * 4), vel = be.alloc(16 * 24 * 4);
    be.write(w, randF(16 * 24)); be.write(vel, new Float32Array(16 * 24));
    const wc = be.alloc(8 * 9 * 3 * 4); be.write(wc, randF(8 * 27));
    for (let step = 0; step < 4; step++) {
      const x = be.alloc(5 * 16 * 4); be.write(x, randF(80));
      const h = be.alloc(5 * 24 * 4);
      be.run('matmul', { a: x, b: w, out: h, batch: 1, m: 5, n: 24, k: 16, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 }, 'fc');
      const r = be.alloc(5 * 24 * 4);
      be.run('unary', { op: 'relu', x: h, out: r, n: 120, a: 0, b: 0 }, 'relu');
      be.run('unary', { op: 'affine', x: r, out: h, n: 120, a: 1 + step, b: step * 0.5 }, 'affine (changing constants)');
      const s = be.alloc(5 * 4);
      be.run('reduce', { op: 'sum', x: h, out: s, outer: 5, r: 24, inner: 1 }, 'sum');
      const l = be.alloc(5 * 24 * 4);
      be.run('logSoftmax', { x: h, out: l, rows: 5, cols: 24 }, 'lsm');
      const g = be.alloc(16 * 24 * 4);
      be.run('matmul', { a: x, b: l, out: g, batch: 1, m: 16, n: 24, k: 5, transA: true, transB: false, aBatchStride: 0, bBatchStride: 0 }, 'dW');
      const img = be.alloc(2 * 30 * 30 * 3 * 4); be.write(img, randF(2 * 900 * 3));
      const co = be.alloc(2 * 15 * 15 * 8 * 4);
      const geo = full({ n: 2, h: 30, w: 30, cin: 3, cout: 8, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, groups: 1 });
      be.run('conv2d', { ...geo, x: img, weight: wc, out: co }, 'stem');
      const dwc = be.alloc(8 * 27 * 4);
      be.run('conv2dBackwardFilter', { ...geo, x: img, dy: co, dw: dwc }, 'stem dW (chunked, temp buffers)');
      be.run('sgd', { param: w, grad: g, velocity: vel, n: 16 * 24, lr: 0.1 / (step + 1), momentum: 0.9, weightDecay: 1e-4, nesterov: false }, 'sgd (changing lr)');
      be.run('axpby', { x: dwc, y: wc, n: 8 * 27, alpha: -0.01 * (step + 1), beta: 1 }, 'axpby (changing alpha)');
      await be.read(s, 'f32', 5);
      const done = [x, h, r, s, l, g, img, co, dwc];
      if (step % 2) done.reverse(); // the free order must not matter
      for (const b of done) be.free(b);
      snapshots.push(be.stats());
    }
    const [, s2, , s3] = snapshots;
    expect(s3.buffersCreated).toBe(s2.buffersCreated);
    expect(s3.pipelinesCreated).toBe(s2.pipelinesCreated);
    expect(s3.bindGroupsCreated).toBe(s2.bindGroupsCreated);
    expect(s3.bytesAllocated).toBe(s2.bytesAllocated);
    expect(s3.dispatches - s2.dispatches).toBe(20);
    expect(s3.buffersInUse).toBe(s2.buffersInUse);
    be.free(w); be.free(vel); be.free(wc);
  });

  it('compile errors name the kernel and show line:col', async () => {
    const bad = 'struct P { n: u32 }\nfn f() -> u32 {\n  let x: u32 = 1.5;\n  return x;\n}\n';
    await expect(compileWGSL(sw.device, bad, "kernel 'broken'", 'shaders/broken.wgsl')).rejects.toThrow(/broken.wgsl:3:16: error: .*\n.*let x: u32 = 1\.5;\n\s+\^/);
  });

  it('profiling gives one record per kernel call, with GPU times', async () => {
    const be = sw;
    const x = be.alloc(4000 * 4), y = be.alloc(4000 * 4), s = be.alloc(4);
    be.write(x, randF(4000));
    be.startProfile();
    be.run('unary', { op: 'exp', x, out: y, n: 4000, a: 0, b: 0 }, 'exp [4000]');
    be.run('reduce', { op: 'sum', x: y, out: s, outer: 1, r: 4000, inner: 1 }, 'sum [4000] (two passes)');
    be.run('fill', { out: x, n: 4000, value: 1, dtype: 'f32' }, 'fill [4000]');
    const recs = await be.stopProfile();
    expect(recs.map((r) => r.label)).toEqual(['exp [4000]', 'sum [4000] (two passes)', 'fill [4000]']);
    expect(recs.map((r) => r.kernel)).toEqual(['unary', 'reduce', 'fill']);
    for (const r of recs) { expect(r.ms).toBeGreaterThanOrEqual(0); expect(r.startMs).toBeGreaterThanOrEqual(0); }
    expect(recs[0].flops).toBe(4000);
    be.free(x); be.free(y); be.free(s);
  });

  it('debug mode runs kernels one by one and still computes', async () => {
    const be = await createWebGPUBackend(gpu!, { debug: true });
    const x = be.alloc(40), out = be.alloc(40);
    be.write(x, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    be.run('unary', { op: 'square', x, out, n: 10, a: 0, b: 0 }, 'square');
    expect(Array.from(await be.read(out, 'f32', 10))).toEqual([1, 4, 9, 16, 25, 36, 49, 64, 81, 100]);
    // a contract violation (output aliasing the input) is a WebGPU validation error: named by label
    be.run('unary', { op: 'square', x, out: x, n: 10, a: 0, b: 0 }, 'square aliased');
    await expect(be.sync()).rejects.toThrow(/square aliased/);
    be.run('unary', { op: 'neg', x: out, out: x, n: 10, a: 0, b: 0 }, 'neg');
    expect(Array.from(await be.read(x, 'f32', 3))).toEqual([-1, -4, -9]);
    be.destroy();
  });
});

describe('limits', () => {
  it('refuses to bind a tensor larger than maxStorageBufferBindingSize instead of reading a prefix', () => {
    const limit = sw.device.limits.maxStorageBufferBindingSize;
    if (limit >= sw.device.limits.maxBufferSize) return; // nothing to test on this adapter
    const n = limit / 4 + 1024;
    const x = sw.alloc(n * 4), out = sw.alloc(n * 4);
    expect(() => sw.run('unary', { op: 'neg', x, out, n, a: 0, b: 0 }, 'too big')).toThrow(/exceeds this adapter's maxStorageBufferBindingSize/);
    sw.free(x); sw.free(out);
  });
});
