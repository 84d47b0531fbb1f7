// WASM kernels vs the f64 reference backend: random inputs, odd sizes, poisoned outputs, 1 and 2 threads.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createWasmBackend } from '../engine/wasm/backend';
import { createReferenceBackend } from './reference/backend';
import type { Backend, DeviceBuffer, DType, KernelArgs, KernelName } from '../engine/kernels';
import { UNARY_OPS, BINARY_OPS } from '../engine/kernels';

let seed = 1;
function rand(): number { seed = (seed * 1664525 + 1013904223) >>> 0; return seed / 2 ** 32; }
function randF(n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rand();
  return a;
}
function randI(n: number, lo: number, hi: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.floor((hi - lo) * rand());
  return a;
}

type Data = Float32Array | Int32Array | Uint32Array;
interface OutSpec { n: number; dtype?: DType; init?: Data }
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

let ref: Backend;
const wasm: Record<number, Backend> = {};

beforeAll(async () => {
  ref = createReferenceBackend();
  wasm[1] = await createWasmBackend({ threads: 1 });
  wasm[2] = await createWasmBackend({ threads: 2 });
});
afterAll(() => { wasm[1]?.destroy(); wasm[2]?.destroy(); });

async function runCase(be: Backend, c: Case): Promise<Record<string, ArrayLike<number>>> {
  const bufs: Record<string, DeviceBuffer> = {};
  for (const [k, d] of Object.entries(c.inputs)) { bufs[k] = be.alloc(Math.max(4, d.byteLength)); be.write(bufs[k], d); }
  for (const [k, o] of Object.entries(c.outputs)) {
    bufs[k] = be.alloc(Math.max(4, o.n * 4));
    const init = o.init ?? (o.dtype && o.dtype !== 'f32' ? new Int32Array(o.n).fill(-12345) : new Float32Array(o.n).fill(NaN));
    be.write(bufs[k], init);
  }
  const bound: Record<string, DeviceBuffer> = { ...bufs };
  for (const [k, to] of Object.entries(c.alias ?? {})) bound[k] = bufs[to];
  be.run(c.kernel, { ...c.params, ...bound } as unknown as KernelArgs[typeof c.kernel], `test ${c.kernel}`);
  const res: Record<string, ArrayLike<number>> = {};
  for (const [k, o] of Object.entries(c.outputs)) res[k] = await be.read(bufs[k], o.dtype ?? 'f32', o.n);
  for (const b of Object.values(bufs)) be.free(b);
  return res;
}

async function check(c: Case, sameBits = false) {
  const want = await runCase(ref, c);
  let first: Record<string, ArrayLike<number>> | null = null;
  for (const t of [1, 2]) {
    const got = await runCase(wasm[t], c);
    if (sameBits) {
      if (first) {
        for (const k of Object.keys(c.outputs)) {
          const g = new Uint32Array((got[k] as Float32Array).buffer), f = new Uint32Array((first[k] as Float32Array).buffer);
          let bad = -1;
          for (let i = 0; i < g.length && bad < 0; i++) if (g[i] !== f[i]) bad = i;
          if (bad >= 0) expect.fail(`${c.kernel} ${JSON.stringify(c.params)} out=${k}[${bad}]: 2 threads ${got[k][bad]} vs 1 thread ${first[k][bad]}`);
        }
      }
      first = got;
    }
    for (const k of Object.keys(c.outputs)) {
      const w = want[k], g = got[k];
      const rtol = c.rtol ?? 1e-5, atol = c.atol ?? 1e-6;
      let bad = -1;
      for (let i = 0; i < w.length; i++) {
        const a = g[i], b = w[i];
        if (Number.isNaN(b) ? !Number.isNaN(a) : !(Math.abs(a - b) <= atol + rtol * Math.abs(b))) { bad = i; break; }
      }
      if (bad >= 0) {
        expect.fail(`${c.kernel} ${JSON.stringify(c.params)} threads=${t} out=${k}[${bad}]: got ${g[bad]}, want ${w[bad]}`);
      }
    }
  }
}

const prod = (s: number[]) => s.reduce((p, d) => p * d, 1);
const contig = (s: number[]) => { const r = new Array(s.length); let a = 1; for (let d = s.length - 1; d >= 0; d--) { r[d] = a; a *= s[d]; } return r; };
/** Strides of an input of shape `inShape` broadcast (right-aligned) to `shape`. */
const bstr = (shape: number[], inShape: number[]) => {
  const cs = contig(inShape);
  const off = shape.length - inShape.length;
  return shape.map((_, d) => (d < off || inShape[d - off] === 1 ? 0 : cs[d - off]));
};

const geo = (n: number, h: number, w: number, cin: number, cout: number, kh: number, kw: number, s: number, p: number, groups: number) => ({
  n, h, w, cin, cout, kh, kw, strideH: s, strideW: s, padH: p, padW: p, groups,
  oh: Math.floor((h + 2 * p - kh) / s) + 1, ow: Math.floor((w + 2 * p - kw) / s) + 1,
});

describe('wasm kernels vs reference', () => {
  it('fill', async () => {
    for (const n of [1, 7, 100003]) {
      await check({ kernel: 'fill', inputs: {}, outputs: { out: { n } }, params: { n, value: 2.5, dtype: 'f32' } });
      await check({ kernel: 'fill', inputs: {}, outputs: { out: { n, dtype: 'i32' } }, params: { n, value: -7, dtype: 'i32' } });
    }
  });

  it('unary', async () => {
    for (const n of [5, 70001]) {
      for (const op of UNARY_OPS) {
        const pos = op === 'log' || op === 'sqrt' || op === 'rsqrt' || op === 'powc';
        const x = op === 'acos' ? randF(n, -0.99, 0.99) : pos ? randF(n, 0.05, 3) : randF(n, -4, 4);
        if (op === 'recip') for (let i = 0; i < n; i++) if (Math.abs(x[i]) < 0.05) x[i] = 0.5;
        const a = op === 'clamp' ? -0.5 : op === 'powc' ? 1.7 : 0.75, b = op === 'clamp' ? 0.6 : -0.25;
        await check({ kernel: 'unary', inputs: { x }, outputs: { out: { n } }, params: { op, n, a, b }, rtol: 3e-6, atol: 1e-6 });
      }
    }
  });

  it('binary with broadcasting', async () => {
    // [out shape, a shape, b shape]
    const shapes: [number[], number[], number[]][] = [
      [[70001], [70001], [70001]],
      [[3, 5, 7], [3, 5, 7], [7]],         // b along last axis
      [[3, 5, 7], [3, 5, 7], [1]],         // b scalar
      [[3, 5, 7], [1], [3, 5, 7]],         // a scalar
      [[4, 3, 6, 5], [4, 1, 6, 5], [4, 3, 6, 1]],
      [[2, 3, 4, 5, 2, 3], [2, 3, 1, 5, 1, 3], [3, 1, 1, 2, 1]],
      [[301, 263], [263], [301, 1]],            // both broadcast, threaded
      [[33, 257], [33, 257], [33, 1]],
    ];
    for (const [shape, sa, sb] of shapes) {
      for (const op of BINARY_OPS) {
        let a = randF(prod(sa), -2, 2), b = randF(prod(sb), -2, 2);
        if (op === 'pow') { a = randF(prod(sa), 0.1, 2); }
        if (op === 'div') for (let i = 0; i < b.length; i++) if (Math.abs(b[i]) < 0.1) b[i] = 0.5;
        if (op === 'eq' || op === 'ne' || op === 'ge' || op === 'le') { for (let i = 0; i < a.length; i += 3) a[i] = b[i % b.length]; }
        await check({
          kernel: 'binary', inputs: { a, b }, outputs: { out: { n: prod(shape) } },
          params: { op, shape, aStrides: bstr(shape, sa), bStrides: bstr(shape, sb) }, rtol: 3e-6,
        });
      }
    }
    // transposed (non-contiguous) operand
    const shape = [37, 41];
    await check({
      kernel: 'binary', inputs: { a: randF(37 * 41), b: randF(37 * 41) }, outputs: { out: { n: 37 * 41 } },
      params: { op: 'sub', shape, aStrides: [1, 37], bStrides: [41, 1] },
    });
  });

  it('where', async () => {
    const shape = [3, 17, 129];
    const cond = randF(prod(shape)).map((v) => (v > 0 ? 1 : 0));
    await check({
      kernel: 'where', inputs: { cond, a: randF(prod(shape)), b: randF(129) }, outputs: { out: { n: prod(shape) } },
      params: { shape, condStrides: contig(shape), aStrides: contig(shape), bStrides: bstr(shape, [129]) },
    });
    const c2 = randF(17).map((v) => (v > 0 ? 1 : 0));
    await check({
      kernel: 'where', inputs: { cond: c2, a: randF(prod(shape)), b: randF(1) }, outputs: { out: { n: prod(shape) } },
      params: { shape, condStrides: bstr(shape, [17, 1]), aStrides: contig(shape), bStrides: [0, 0, 0] },
    });
  });

  it('copy (transpose, slice into offset, broadcast expand)', async () => {
    // transpose [5, 7, 9] -> [9, 5, 7]
    let shape = [9, 5, 7];
    await check({
      kernel: 'copy', inputs: { x: randF(315) }, outputs: { out: { n: 315 } },
      params: { shape, xStrides: [1, 63, 9], xOffset: 0, outStrides: contig(shape), outOffset: 0 },
    });
    // slice x[1:4, 2:9] of [5, 11] into out region of [6, 13] at (2, 3); rest keeps contents
    shape = [3, 7];
    await check({
      kernel: 'copy', inputs: { x: randF(55) }, outputs: { out: { n: 78, init: randF(78) } },
      params: { shape, xStrides: [11, 1], xOffset: 13, outStrides: [13, 1], outOffset: 29 },
    });
    // broadcast-expand [1, 257] -> [301, 257] (large: threaded)
    shape = [301, 257];
    await check({
      kernel: 'copy', inputs: { x: randF(257) }, outputs: { out: { n: prod(shape) } },
      params: { shape, xStrides: [0, 1], xOffset: 0, outStrides: contig(shape), outOffset: 0 },
    });
    // large transpose (threaded, strided inner)
    shape = [301, 263];
    await check({
      kernel: 'copy', inputs: { x: randF(prod(shape)) }, outputs: { out: { n: prod(shape) } },
      params: { shape, xStrides: [1, 301], xOffset: 0, outStrides: contig(shape), outOffset: 0 },
    });
    // i32 bits through copy
    await check({
      kernel: 'copy', inputs: { x: randI(100003, -1000, 1000) }, outputs: { out: { n: 100003, dtype: 'i32' } },
      params: { shape: [100003], xStrides: [1], xOffset: 0, outStrides: [1], outOffset: 0 },
    });
  });

  it('cast', async () => {
    const n = 70001;
    await check({ kernel: 'cast', inputs: { x: randF(n, -50, 50) }, outputs: { out: { n, dtype: 'i32' } }, params: { n, from: 'f32', to: 'i32' } });
    await check({ kernel: 'cast', inputs: { x: randF(n, 0, 50) }, outputs: { out: { n, dtype: 'u32' } }, params: { n, from: 'f32', to: 'u32' } });
    await check({ kernel: 'cast', inputs: { x: randI(n, -1000, 1000) }, outputs: { out: { n } }, params: { n, from: 'i32', to: 'f32' } });
    await check({ kernel: 'cast', inputs: { x: new Uint32Array(randI(n, 0, 100000)) }, outputs: { out: { n } }, params: { n, from: 'u32', to: 'f32' } });
  });

  it('reduce', async () => {
    for (const [outer, r, inner] of [[1, 1, 1], [3, 7, 1], [5, 1001, 1], [1, 300, 300], [7, 13, 37], [2, 5, 4099], [40, 33, 67]]) {
      for (const op of ['sum', 'max', 'min']) {
        await check({
          kernel: 'reduce', inputs: { x: randF(outer * r * inner) }, outputs: { out: { n: outer * inner } },
          params: { op, outer, r, inner }, rtol: 1e-5, atol: 1e-6 * Math.sqrt(r) * 4,
        });
      }
    }
  });

  it('matmul (trans, batch strides, odd sizes)', async () => {
    const cases: [number, number, number, number, boolean, boolean, boolean, boolean][] = [
      // batch, m, n, k, transA, transB, broadcastA, broadcastB
      [1, 1, 1, 1, false, false, false, false],
      [1, 5, 7, 3, false, false, false, false],
      [1, 37, 29, 41, true, false, false, false],
      [1, 37, 29, 41, false, true, false, false],
      [1, 37, 29, 41, true, true, false, false],
      [3, 19, 23, 300, false, false, false, false],
      [4, 13, 9, 17, false, true, false, true],
      [2, 130, 70, 600, false, false, true, false],
      [1, 131, 1030, 21, false, false, false, false],
      [1, 3, 300, 129, true, true, false, false],
      [1, 150, 9, 1111, false, false, false, false],
    ];
    for (const [batch, m, n, k, transA, transB, bA, bB] of cases) {
      const a = randF((bA ? 1 : batch) * m * k), b = randF((bB ? 1 : batch) * k * n);
      await check({
        kernel: 'matmul', inputs: { a, b }, outputs: { out: { n: batch * m * n } },
        params: { batch, m, n, k, transA, transB, aBatchStride: bA ? 0 : m * k, bBatchStride: bB ? 0 : k * n },
        rtol: 1e-5, atol: 1e-5 * Math.sqrt(k),
      });
    }
  });

  it('gatherRows, scatterAddRows, scatterRows', async () => {
    for (const [rows, cols, tRows] of [[7, 5, 4], [300, 131, 50], [1000, 3, 17]]) {
      const idx = randI(rows, -2, tRows + 2);
      await check({
        kernel: 'gatherRows', inputs: { table: randF(tRows * cols), idx }, outputs: { out: { n: rows * cols } },
        params: { rows, cols, tableRows: tRows },
      });
      await check({
        kernel: 'scatterAddRows', inputs: { src: randF(rows * cols), idx }, outputs: { out: { n: tRows * cols, init: randF(tRows * cols) } },
        params: { rows, cols, outRows: tRows }, atol: 1e-5,
      });
      await check({
        kernel: 'scatterRows', inputs: { src: randF(rows * cols), idx }, outputs: { out: { n: tRows * cols, init: randF(tRows * cols) } },
        params: { rows, cols, outRows: tRows },
      });
    }
  });

  it('takeAlongLast, putAlongLastAdd', async () => {
    for (const [rows, cols, k] of [[3, 5, 2], [1001, 37, 5]]) {
      const idx = randI(rows * k, -1, cols + 1);
      await check({
        kernel: 'takeAlongLast', inputs: { x: randF(rows * cols), idx }, outputs: { out: { n: rows * k } }, params: { rows, cols, k },
      });
      await check({
        kernel: 'putAlongLastAdd', inputs: { src: randF(rows * k), idx }, outputs: { out: { n: rows * cols, init: randF(rows * cols) } },
        params: { rows, cols, k },
      });
    }
  });

  it('topk (ties to the lower column)', async () => {
    for (const [rows, cols, k] of [[1, 1, 1], [5, 17, 3], [301, 257, 64], [40, 1000, 10]]) {
      const x = randF(rows * cols).map((v) => Math.round(v * 20) / 20); // many ties
      await check({
        kernel: 'topk', inputs: { x }, outputs: { values: { n: rows * k }, indices: { n: rows * k, dtype: 'i32' } },
        params: { rows, cols, k }, rtol: 0, atol: 0,
      });
    }
  });

  it('logSoftmax', async () => {
    for (const [rows, cols] of [[1, 1], [3, 7], [129, 1001]]) {
      await check({ kernel: 'logSoftmax', inputs: { x: randF(rows * cols, -8, 8) }, outputs: { out: { n: rows * cols } }, params: { rows, cols }, atol: 1e-5 });
    }
  });

  const convGeos = [
    geo(2, 7, 9, 3, 5, 3, 3, 1, 1, 1),
    geo(2, 9, 8, 3, 16, 3, 3, 2, 1, 1),     // stem-like
    geo(1, 6, 5, 4, 6, 1, 1, 1, 0, 1),      // 1x1
    geo(2, 9, 7, 12, 12, 3, 3, 1, 1, 12),   // depthwise
    geo(2, 11, 10, 21, 21, 3, 3, 2, 1, 21), // depthwise strided, odd channels
    geo(1, 8, 8, 6, 9, 3, 2, 1, 1, 3),      // grouped, non-square kernel
    geo(1, 5, 6, 4, 8, 3, 3, 2, 0, 4),      // channel multiplier 2
    geo(3, 14, 14, 32, 40, 3, 3, 1, 1, 1),  // big enough for threads
    geo(3, 14, 14, 64, 64, 3, 3, 1, 1, 64), // depthwise, threaded
  geo(1, 64, 62, 64, 8, 3, 3, 2, 1, 1),   // strided: col2im backward input in several row chunks
  ];

  it('conv2d', async () => {
    for (const g of convGeos) {
      const K = g.kh * g.kw * (g.cin / g.groups);
      await check({
        kernel: 'conv2d', inputs: { x: randF(g.n * g.h * g.w * g.cin), weight: randF(g.cout * K) },
        outputs: { out: { n: g.n * g.oh * g.ow * g.cout } }, params: g, atol: 1e-5 * Math.sqrt(K),
      });
    }
  });

  it('conv2dBackwardInput', async () => {
    for (const g of convGeos) {
      const K = g.kh * g.kw * (g.cin / g.groups);
      await check({
        kernel: 'conv2dBackwardInput', inputs: { dy: randF(g.n * g.oh * g.ow * g.cout), weight: randF(g.cout * K) },
        outputs: { dx: { n: g.n * g.h * g.w * g.cin } }, params: g, atol: 1e-5 * Math.sqrt(g.kh * g.kw * g.cout),
      });
    }
  });

  it('conv2dBackwardFilter', async () => {
    for (const g of convGeos) {
      const K = g.kh * g.kw * (g.cin / g.groups);
      await check({
        kernel: 'conv2dBackwardFilter', inputs: { x: randF(g.n * g.h * g.w * g.cin), dy: randF(g.n * g.oh * g.ow * g.cout) },
        outputs: { dw: { n: g.cout * K } }, params: g, atol: 1e-5 * Math.sqrt(g.n * g.oh * g.ow),
      });
    }
  });

  it('sgd, axpby', async () => {
    for (const n of [3, 70001]) {
      for (const [momentum, nesterov, weightDecay] of [[0, false, 0], [0.9, false, 5e-4], [0.9, true, 1e-3]] as const) {
        await check({
          kernel: 'sgd', inputs: { grad: randF(n) },
          outputs: { param: { n, init: randF(n) }, velocity: { n, init: randF(n) } },
          params: { n, lr: 0.1, momentum, weightDecay, nesterov },
        });
      }
      await check({ kernel: 'axpby', inputs: { x: randF(n) }, outputs: { y: { n, init: randF(n) } }, params: { n, alpha: 0.3, beta: 0.999 } });
    }
  });
});

describe('wasm per-channel kernels vs reference', () => {
  const CHANNELS = [1, 3, 17, 64, 130];
  const ROWS = [1, 7, 1000, 70000];
  /** Random values in ±[0.05, 1] (never zero). */
  const randNZ = (n: number) => { const a = randF(n); for (let i = 0; i < n; i++) a[i] = Math.sign(a[i] || 1) * (0.05 + 0.95 * Math.abs(a[i])); return a; };
  // sums over up to 70000 rows: the reference sums in f64; allow f32 rounding of the block partials
  const sumTol = (rows: number) => ({ rtol: 1e-5, atol: 2e-6 * Math.sqrt(rows) * 4 });

  it('channelSums (centred, a and b the same buffer or not), same bits for 1 and 2 threads', async () => {
    for (const channels of CHANNELS) for (const rows of ROWS) {
      const n = rows * channels;
      const a = randNZ(n), b = randNZ(n), centerA = randF(channels, -0.3, 0.3), centerB = randF(channels, -0.3, 0.3);
      const outputs = { sumA: { n: channels }, sumAB: { n: channels } };
      await check({ kernel: 'channelSums', inputs: { a, b, centerA, centerB }, outputs, params: { rows, channels }, ...sumTol(rows) }, true);
      await check({
        kernel: 'channelSums', inputs: { a, centerA, centerB: centerA }, alias: { b: 'a' }, outputs, params: { rows, channels }, ...sumTol(rows),
      }, true);
    }
  });

  it('channelAffine (with and without b) and prelu', async () => {
    for (const channels of CHANNELS) for (const rows of ROWS) {
      const n = rows * channels;
      const a = randNZ(n), b = randNZ(n), s1 = randNZ(channels), s2 = randNZ(channels), s3 = randNZ(channels);
      await check({ kernel: 'channelAffine', inputs: { a, b, s1, s2, s3 }, outputs: { out: { n } }, params: { rows, channels, hasB: true } }, true);
      await check({ kernel: 'channelAffine', inputs: { a, s1, s3 }, alias: { b: 'a', s2: 's1' }, outputs: { out: { n } }, params: { rows, channels, hasB: false } }, true);
      await check({ kernel: 'prelu', inputs: { x: a, alpha: s1 }, outputs: { out: { n } }, params: { rows, channels } }, true);
    }
  });

  it('preluBackward (dx and dalpha), same bits for 1 and 2 threads', async () => {
    for (const channels of CHANNELS) for (const rows of ROWS) {
      const n = rows * channels;
      await check({
        kernel: 'preluBackward', inputs: { x: randNZ(n), alpha: randNZ(channels), dy: randNZ(n) },
        outputs: { dx: { n }, dalpha: { n: channels } }, params: { rows, channels }, ...sumTol(rows),
      }, true);
    }
  });

  it('zero rows give zero sums', async () => {
    await check({
      kernel: 'channelSums', inputs: { a: randNZ(4), b: randNZ(4), centerA: randNZ(5), centerB: randNZ(5) },
      outputs: { sumA: { n: 5 }, sumAB: { n: 5 } }, params: { rows: 0, channels: 5 },
    });
  });
});

describe('wasm backend behaviour', () => {
  it('results do not depend on the thread count (matmul, reduce, conv filter grad)', async () => {
    const run = async (be: Backend, kernel: KernelName, inputs: Record<string, Float32Array>, outN: number, params: object) => {
      const bufs: Record<string, DeviceBuffer> = {};
      for (const [k, d] of Object.entries(inputs)) { bufs[k] = be.alloc(d.byteLength); be.write(bufs[k], d); }
      const outName = kernel === 'conv2dBackwardFilter' ? 'dw' : 'out';
      bufs[outName] = be.alloc(outN * 4);
      be.run(kernel, { ...params, ...bufs } as any, 'det');
      const r = await be.read(bufs[outName], 'f32', outN);
      for (const b of Object.values(bufs)) be.free(b);
      return r;
    };
    const mm = { batch: 1, m: 203, n: 157, k: 777, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 };
    const ia = { a: randF(203 * 777), b: randF(157 * 777) };
    expect(await run(wasm[2], 'matmul', ia, 203 * 157, mm)).toEqual(await run(wasm[1], 'matmul', ia, 203 * 157, mm));
    const mm2 = { ...mm, m: 20, n: 500 }; // splits columns
    const ib = { a: randF(20 * 777), b: randF(500 * 777) };
    expect(await run(wasm[2], 'matmul', ib, 20 * 500, mm2)).toEqual(await run(wasm[1], 'matmul', ib, 20 * 500, mm2));
    for (const [outer, r, inner] of [[1, 100000, 1], [3, 5000, 64], [1, 1000, 256]]) {
      const x = { x: randF(outer * r * inner) };
      const p = { op: 'sum', outer, r, inner };
      expect(await run(wasm[2], 'reduce', x, outer * inner, p)).toEqual(await run(wasm[1], 'reduce', x, outer * inner, p));
    }
    const g = geo(4, 20, 20, 16, 24, 3, 3, 1, 1, 1);
    const ic = { x: randF(4 * 400 * 16), dy: randF(4 * 400 * 24) };
    expect(await run(wasm[2], 'conv2dBackwardFilter', ic, 24 * 9 * 16, g)).toEqual(await run(wasm[1], 'conv2dBackwardFilter', ic, 24 * 9 * 16, g));
    const gd = geo(4, 20, 20, 36, 36, 3, 3, 1, 1, 36); // depthwise: split over channels
    const id = { x: randF(4 * 400 * 36), dy: randF(4 * 400 * 36) };
    expect(await run(wasm[2], 'conv2dBackwardFilter', id, 36 * 9, gd)).toEqual(await run(wasm[1], 'conv2dBackwardFilter', id, 36 * 9, gd));
  });

  it('steady state reuses buffers; stats count', async () => {
    const be = wasm[2];
    const step = () => {
      const bufs = [1000, 4, 12345, 1 << 20, 77, 1000].map((b) => be.alloc(b));
      be.run('fill', { out: bufs[3], n: (1 << 20) / 4, value: 1, dtype: 'f32' }, 'fill');
      for (const b of bufs.reverse()) be.free(b);
    };
    step(); step();
    const s0 = be.stats();
    for (let i = 0; i < 5; i++) step();
    const s1 = be.stats();
    expect(s1.buffersCreated).toBe(s0.buffersCreated);
    expect(s1.bytesAllocated).toBe(s0.bytesAllocated);
    expect(s1.buffersInUse).toBe(s0.buffersInUse);
    expect(s1.dispatches).toBe(s0.dispatches + 5);
    const b = be.alloc(100);
    expect(be.stats().bytesInUse).toBe(s1.bytesInUse + 100);
    be.free(b);
    expect(s1.pipelinesCreated).toBe(0);
    expect(be.description).toMatch(/^wasm: 2 threads, SIMD/);
  });

  it('grows memory and keeps data across growth; write offsets; profiling', async () => {
    const be = wasm[1];
    const a = be.alloc(40);
    be.write(a, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    be.write(a, new Float32Array([42]), 8);
    const big = be.alloc(200 << 20); // forces memory.grow
    be.run('fill', { out: big, n: 50 << 20, value: 3, dtype: 'f32' }, 'fill big');
    expect(Array.from(await be.read(a, 'f32', 4))).toEqual([1, 2, 42, 4]);
    expect((await be.read(big, 'f32', 3))[2]).toBe(3);
    be.startProfile();
    be.run('axpby', { x: a, y: a, n: 10, alpha: 1, beta: 0 }, 'axpby label');
    const recs = await be.stopProfile();
    expect(recs.length).toBe(1);
    expect(recs[0]).toMatchObject({ label: 'axpby label', kernel: 'axpby', flops: 30, bytes: 120 });
    be.free(big); be.free(a);
    expect(() => be.free(a)).toThrow();
  });
});
