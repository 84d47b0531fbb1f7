// matmul and the three conv2d kernels (GEMM with implicit im2col; SIMD direct kernels for depthwise).
import { ai, ap, splitAt, scratchOf, SLOT_SCRATCH_BYTES } from './common';
import {
  gemm, setConv, MR, NR, GEMM_SCRATCH,
  A_ROWMAJOR, A_TRANS, A_IM2COL, A_DYGATHER, B_ROWMAJOR, B_TRANS, B_CONVW, B_IM2COL,
} from './gemm';
import * as G from './gemm';

/** Runs part `part` of an m x n product: split rows when m >= n, columns otherwise. */
function gemmPart(m: i32, n: i32, k: i32, c: usize, ldc: i32, part: i32, parts: i32, scratch: usize): void {
  if (m >= n || n < NR * parts) {
    gemm(k, c, ldc, splitAt(m, MR, part, parts), splitAt(m, MR, part + 1, parts), 0, n, scratch);
  } else {
    gemm(k, c, ldc, 0, m, splitAt(n, NR, part, parts), splitAt(n, NR, part + 1, parts), scratch);
  }
}

export function kMatmul(args: usize, part: i32, parts: i32): void {
  const a = ap(args, 0); const b = ap(args, 1); const out = ap(args, 2);
  const batch = ai(args, 3); const m = ai(args, 4); const n = ai(args, 5); const k = ai(args, 6);
  const transA = ai(args, 7) != 0; const transB = ai(args, 8) != 0;
  const aBS = <usize>ai(args, 9); const bBS = <usize>ai(args, 10);
  const scratch = scratchOf(args, part);
  G.aMode = transA ? A_TRANS : A_ROWMAJOR; G.lda = transA ? m : k;
  G.bMode = transB ? B_TRANS : B_ROWMAJOR; G.ldb = transB ? k : n;
  const outB = <usize>m * n << 2;
  if (parts > 1 && batch >= parts && (batch % parts == 0 || batch >= 4 * parts)) {
    const b0 = splitAt(batch, 1, part, parts); const b1 = splitAt(batch, 1, part + 1, parts);
    for (let bi = b0; bi < b1; bi++) {
      G.aPtr = a + (<usize>bi * aBS << 2); G.bPtr = b + (<usize>bi * bBS << 2);
      gemm(k, out + <usize>bi * outB, n, 0, m, 0, n, scratch);
    }
    return;
  }
  for (let bi = 0; bi < batch; bi++) {
    G.aPtr = a + (<usize>bi * aBS << 2); G.bPtr = b + (<usize>bi * bBS << 2);
    gemmPart(m, n, k, out + <usize>bi * outB, n, part, parts, scratch);
  }
}

// conv args: 0 in, 1 weight-or-dy, 2 out, then geometry from slot 3:
// n h w cin cout kh kw sh sw ph pw groups oh ow
// @ts-ignore: decorator
@inline function geo(args: usize, i: i32): i32 { return ai(args, 3 + i); }

function setGeo(args: usize): void {
  setConv(geo(args, 1), geo(args, 2), geo(args, 3), geo(args, 4), geo(args, 5), geo(args, 6), geo(args, 7), geo(args, 8),
    geo(args, 9), geo(args, 10), geo(args, 12), geo(args, 13), geo(args, 11));
}

// @ts-ignore: decorator
@inline function isDepthwise(args: usize): bool {
  const cin = geo(args, 3); const cout = geo(args, 4); const groups = geo(args, 11);
  const taps = geo(args, 5) * geo(args, 6);
  // transposed weights (or filter accumulators) plus the tap list must fit in this thread's scratch
  const need = (<i64>taps * cin << 2) + (<i64>taps << 3) + 64;
  return groups == cin && cout == cin && groups > 1 && need <= <i64>ap(args, SLOT_SCRATCH_BYTES);
}

export function kConv2d(args: usize, part: i32, parts: i32): void {
  const x = ap(args, 0); const w = ap(args, 1); const out = ap(args, 2);
  const N = geo(args, 0); const cin = geo(args, 3); const cout = geo(args, 4); const kh = geo(args, 5); const kw = geo(args, 6);
  const groups = geo(args, 11); const oh = geo(args, 12); const ow = geo(args, 13);
  setGeo(args);
  const scratch = scratchOf(args, part);
  if (isDepthwise(args)) { dwForward(x, w, out, N, part, parts, scratch); return; }
  const cinG = cin / groups; const coutG = cout / groups; const K = kh * kw * cinG;
  const M = N * oh * ow;
  for (let g = 0; g < groups; g++) {
    G.cvG = g;
    G.aMode = A_IM2COL; G.aPtr = x;
    G.bMode = B_TRANS; G.bPtr = w + (<usize>g * coutG * K << 2); G.ldb = K;
    gemmPart(M, coutG, K, out + (<usize>g * coutG << 2), cout, part, parts, scratch);
  }
}

export function kConv2dBackwardInput(args: usize, part: i32, parts: i32): void {
  const dy = ap(args, 0); const w = ap(args, 1); const dx = ap(args, 2);
  const N = geo(args, 0); const h = geo(args, 1); const wd = geo(args, 2); const cin = geo(args, 3); const cout = geo(args, 4);
  const kh = geo(args, 5); const kw = geo(args, 6); const groups = geo(args, 11);
  setGeo(args);
  const scratch = scratchOf(args, part);
  if (isDepthwise(args)) { dwBackwardInput(dy, w, dx, N, part, parts, scratch); return; }
  const cinG = cin / groups; const coutG = cout / groups;
  if (G.cvSh > 1 || G.cvSw > 1 || cinG < NR) {
    // strided or narrow: dcol = dy . W per image, then col2im (no multiplications by structural zeros)
    col2imBackwardInput(dy, w, dx, N, groups, part, parts, scratch, <i32>ap(args, SLOT_SCRATCH_BYTES));
    return;
  }
  const M = N * h * wd;
  for (let g = 0; g < groups; g++) {
    G.cvG = g;
    G.aMode = A_DYGATHER; G.aPtr = dy;
    G.bMode = B_CONVW; G.bPtr = w;
    gemmPart(M, cinG, kh * kw * coutG, dx + (<usize>g * cinG << 2), cin, part, parts, scratch);
  }
}

export function kConv2dBackwardFilter(args: usize, part: i32, parts: i32): void {
  const x = ap(args, 0); const dy = ap(args, 1); const dw = ap(args, 2);
  const N = geo(args, 0); const cin = geo(args, 3); const cout = geo(args, 4);
  const kh = geo(args, 5); const kw = geo(args, 6); const groups = geo(args, 11); const oh = geo(args, 12); const ow = geo(args, 13);
  setGeo(args);
  const scratch = scratchOf(args, part);
  if (isDepthwise(args)) { dwBackwardFilter(x, dy, dw, N, part, parts, scratch); return; }
  const cinG = cin / groups; const coutG = cout / groups; const K = kh * kw * cinG;
  for (let g = 0; g < groups; g++) {
    G.cvG = g;
    G.aMode = A_TRANS; G.aPtr = dy + (<usize>g * coutG << 2); G.lda = cout;
    G.bMode = B_IM2COL; G.bPtr = x;
    gemmPart(coutG, K, N * oh * ow, dw + (<usize>g * coutG * K << 2), K, part, parts, scratch);
  }
}

/** Split by images (deterministic: every dx element sums in the same order whatever the split). */
function col2imBackwardInput(dy: usize, w: usize, dx: usize, N: i32, groups: i32, part: i32, parts: i32, scratch: usize, scratchBytes: i32): void {
  const H = G.cvH; const W = G.cvW; const cin = G.cvCin; const cout = G.cvCout; const kh = G.cvKh; const kw = G.cvKw;
  const oh = G.cvOh; const ow = G.cvOw; const sh = G.cvSh; const sw = G.cvSw; const ph = G.cvPh; const pw = G.cvPw;
  const cinG = cin / groups; const coutG = cout / groups; const K = kh * kw * cinG;
  const gemmBytes = (GEMM_SCRATCH + 63) & ~63;
  const dcol = scratch + <usize>gemmBytes;
  const maxRows = max(MR, ((scratchBytes - gemmBytes) / (K * 4)) / MR * MR);
  const n0 = splitAt(N, 1, part, parts); const n1 = splitAt(N, 1, part + 1, parts);
  const rowsPerImg = oh * ow;
  const imgB = <usize>H * W * cin << 2;
  for (let n = n0; n < n1; n++) {
    memory.fill(dx + <usize>n * imgB, 0, imgB);
    for (let g = 0; g < groups; g++) {
      for (let r0 = 0; r0 < rowsPerImg; r0 += maxRows) {
        const rc = min(maxRows, rowsPerImg - r0);
        G.aMode = A_ROWMAJOR; G.aPtr = dy + ((<usize>(n * rowsPerImg + r0) * cout + g * coutG) << 2); G.lda = cout;
        G.bMode = B_ROWMAJOR; G.bPtr = w + (<usize>g * coutG * K << 2); G.ldb = K;
        gemm(coutG, dcol, K, 0, rc, 0, K, scratch);
        for (let q = 0; q < rc; q++) {
          const row = r0 + q; const oy = row / ow; const ox = row - oy * ow;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - ph + ky;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pw + kx;
              if (ix < 0 || ix >= W) continue;
              const d = dx + ((<usize>((n * H + iy) * W + ix) * cin + g * cinG) << 2);
              const sp = dcol + ((<usize>q * K + (ky * kw + kx) * cinG) << 2);
              let c = 0;
              for (; c + 4 <= cinG; c += 4) {
                const o = <usize>c << 2;
                v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(sp + o)));
              }
              for (; c < cinG; c++) {
                const o = <usize>c << 2;
                store<f32>(d + o, load<f32>(d + o) + load<f32>(sp + o));
              }
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- depthwise (channel multiplier 1)
// Weights transposed to [kh*kw][C] in scratch so channels are contiguous for SIMD.

function transposeW(w: usize, C: i32, KK: i32, dst: usize): void {
  for (let c = 0; c < C; c++) {
    for (let t = 0; t < KK; t++) store<f32>(dst + ((<usize>t * C + c) << 2), load<f32>(w + ((<usize>c * KK + t) << 2)));
  }
}

/** acc[c..] += a[c..] * b[c..] over C channels (SIMD, then a scalar tail). */
// @ts-ignore: decorator
@inline function madRow(acc: usize, a: usize, b: usize, C: i32): void {
  let c = 0;
  for (; c + 16 <= C; c += 16) {
    const q = <usize>c << 2;
    v128.store(acc + q, f32x4.add(v128.load(acc + q), f32x4.mul(v128.load(a + q), v128.load(b + q))));
    v128.store(acc + q, f32x4.add(v128.load(acc + q, 16), f32x4.mul(v128.load(a + q, 16), v128.load(b + q, 16))), 16);
    v128.store(acc + q, f32x4.add(v128.load(acc + q, 32), f32x4.mul(v128.load(a + q, 32), v128.load(b + q, 32))), 32);
    v128.store(acc + q, f32x4.add(v128.load(acc + q, 48), f32x4.mul(v128.load(a + q, 48), v128.load(b + q, 48))), 48);
  }
  for (; c + 4 <= C; c += 4) {
    const q = <usize>c << 2;
    v128.store(acc + q, f32x4.add(v128.load(acc + q), f32x4.mul(v128.load(a + q), v128.load(b + q))));
  }
  for (; c < C; c++) {
    const q = <usize>c << 2;
    store<f32>(acc + q, load<f32>(acc + q) + load<f32>(a + q) * load<f32>(b + q));
  }
}

function dwForward(x: usize, w: usize, out: usize, N: i32, part: i32, parts: i32, scratch: usize): void {
  const C = G.cvCin; const kh = G.cvKh; const kw = G.cvKw; const H = G.cvH; const W = G.cvW;
  const oh = G.cvOh; const ow = G.cvOw; const sh = G.cvSh; const sw = G.cvSw; const ph = G.cvPh; const pw = G.cvPw;
  const wt = scratch;
  transposeW(w, C, kh * kw, wt);
  const taps = scratch + (<usize>(kh * kw * C) << 2); // per pixel: list of (x offset, w offset) pairs
  const rows = N * oh;
  const r0 = splitAt(rows, 1, part, parts); const r1 = splitAt(rows, 1, part + 1, parts);
  const pixB = <usize>C << 2;
  for (let row = r0; row < r1; row++) {
    const n = row / oh; const oy = row - n * oh;
    for (let ox = 0; ox < ow; ox++) {
      let nt = 0;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh - ph + ky;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sw - pw + kx;
          if (ix < 0 || ix >= W) continue;
          store<usize>(taps + (<usize>nt << 3), x + (<usize>((n * H + iy) * W + ix)) * pixB);
          store<usize>(taps + (<usize>nt << 3), wt + <usize>(ky * kw + kx) * pixB, 4);
          nt++;
        }
      }
      dwPixel(out + (<usize>((n * oh + oy) * ow + ox)) * pixB, taps, nt, C);
    }
  }
}

/** o[c] = sum over taps t of a_t[c] * b_t[c], accumulators in registers. */
function dwPixel(o: usize, taps: usize, nt: i32, C: i32): void {
  let c = 0;
  for (; c + 16 <= C; c += 16) {
    const q = <usize>c << 2;
    let a0 = f32x4.splat(0); let a1 = f32x4.splat(0); let a2 = f32x4.splat(0); let a3 = f32x4.splat(0);
    for (let t = 0; t < nt; t++) {
      const pa = load<usize>(taps + (<usize>t << 3)) + q; const pb = load<usize>(taps + (<usize>t << 3), 4) + q;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(pa), v128.load(pb)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(pa, 16), v128.load(pb, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(pa, 32), v128.load(pb, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(pa, 48), v128.load(pb, 48)));
    }
    v128.store(o + q, a0); v128.store(o + q, a1, 16); v128.store(o + q, a2, 32); v128.store(o + q, a3, 48);
  }
  for (; c + 4 <= C; c += 4) {
    const q = <usize>c << 2;
    let a0 = f32x4.splat(0);
    for (let t = 0; t < nt; t++) {
      a0 = f32x4.add(a0, f32x4.mul(v128.load(load<usize>(taps + (<usize>t << 3)) + q), v128.load(load<usize>(taps + (<usize>t << 3), 4) + q)));
    }
    v128.store(o + q, a0);
  }
  for (; c < C; c++) {
    const q = <usize>c << 2;
    let a: f32 = 0;
    for (let t = 0; t < nt; t++) a += load<f32>(load<usize>(taps + (<usize>t << 3)) + q) * load<f32>(load<usize>(taps + (<usize>t << 3), 4) + q);
    store<f32>(o + q, a);
  }
}

function dwBackwardInput(dy: usize, w: usize, dx: usize, N: i32, part: i32, parts: i32, scratch: usize): void {
  const C = G.cvCin; const kh = G.cvKh; const kw = G.cvKw; const H = G.cvH; const W = G.cvW;
  const oh = G.cvOh; const ow = G.cvOw; const sh = G.cvSh; const sw = G.cvSw; const ph = G.cvPh; const pw = G.cvPw;
  const wt = scratch;
  transposeW(w, C, kh * kw, wt);
  const taps = scratch + (<usize>(kh * kw * C) << 2);
  const rows = N * H;
  const r0 = splitAt(rows, 1, part, parts); const r1 = splitAt(rows, 1, part + 1, parts);
  const pixB = <usize>C << 2;
  for (let row = r0; row < r1; row++) {
    const n = row / H; const iy = row - n * H;
    for (let ix = 0; ix < W; ix++) {
      let nt = 0;
      for (let ky = 0; ky < kh; ky++) {
        const ty = iy + ph - ky;
        if (ty < 0) break;
        const oy = ty / sh;
        if (oy * sh != ty || oy >= oh) continue;
        for (let kx = 0; kx < kw; kx++) {
          const tx = ix + pw - kx;
          if (tx < 0) break;
          const ox = tx / sw;
          if (ox * sw != tx || ox >= ow) continue;
          store<usize>(taps + (<usize>nt << 3), dy + (<usize>((n * oh + oy) * ow + ox)) * pixB);
          store<usize>(taps + (<usize>nt << 3), wt + <usize>(ky * kw + kx) * pixB, 4);
          nt++;
        }
      }
      dwPixel(dx + (<usize>((n * H + iy) * W + ix)) * pixB, taps, nt, C);
    }
  }
}

function dwBackwardFilter(x: usize, dy: usize, dw: usize, N: i32, part: i32, parts: i32, scratch: usize): void {
  const C = G.cvCin; const kh = G.cvKh; const kw = G.cvKw; const H = G.cvH; const W = G.cvW;
  const oh = G.cvOh; const ow = G.cvOw; const sh = G.cvSh; const sw = G.cvSw; const ph = G.cvPh; const pw = G.cvPw;
  const c0 = splitAt(C, 4, part, parts); const c1 = splitAt(C, 4, part + 1, parts);
  if (c0 >= c1) return;
  const len = c1 - c0;
  const KK = kh * kw;
  const acc = scratch; // [KK][len]
  const accRow = <usize>len << 2;
  memory.fill(acc, 0, <usize>KK * accRow);
  const pixB = <usize>C << 2;
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh - ph + ky;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < kw; kx++) {
          const a = acc + <usize>(ky * kw + kx) * accRow;
          const dyRow = dy + (<usize>((n * oh + oy) * ow)) * pixB + (<usize>c0 << 2);
          const xRow = x + (<usize>((n * H + iy) * W)) * pixB + (<usize>c0 << 2);
          // valid ox range: 0 <= ox*sw - pw + kx < W
          let oxs = 0;
          while (oxs < ow && oxs * sw - pw + kx < 0) oxs++;
          let oxe = ow;
          while (oxe > oxs && (oxe - 1) * sw - pw + kx >= W) oxe--;
          if (oxs >= oxe) continue;
          const xStep = <usize>sw * pixB;
          let c = 0;
          for (; c + 16 <= len; c += 16) {
            const q = <usize>c << 2;
            let a0 = v128.load(a + q); let a1 = v128.load(a + q, 16); let a2 = v128.load(a + q, 32); let a3 = v128.load(a + q, 48);
            let pd = dyRow + <usize>oxs * pixB + q;
            let px = xRow + <usize>(oxs * sw - pw + kx) * pixB + q;
            for (let ox = oxs; ox < oxe; ox++) {
              a0 = f32x4.add(a0, f32x4.mul(v128.load(pd), v128.load(px)));
              a1 = f32x4.add(a1, f32x4.mul(v128.load(pd, 16), v128.load(px, 16)));
              a2 = f32x4.add(a2, f32x4.mul(v128.load(pd, 32), v128.load(px, 32)));
              a3 = f32x4.add(a3, f32x4.mul(v128.load(pd, 48), v128.load(px, 48)));
              pd += pixB; px += xStep;
            }
            v128.store(a + q, a0); v128.store(a + q, a1, 16); v128.store(a + q, a2, 32); v128.store(a + q, a3, 48);
          }
          for (; c < len; c++) {
            const q = <usize>c << 2;
            let s: f32 = load<f32>(a + q);
            let pd = dyRow + <usize>oxs * pixB + q;
            let px = xRow + <usize>(oxs * sw - pw + kx) * pixB + q;
            for (let ox = oxs; ox < oxe; ox++) { s += load<f32>(pd) * load<f32>(px); pd += pixB; px += xStep; }
            store<f32>(a + q, s);
          }
        }
      }
    }
  }
  for (let c = c0; c < c1; c++) {
    for (let t = 0; t < KK; t++) {
      store<f32>(dw + ((<usize>c * KK + t) << 2), load<f32>(acc + <usize>t * accRow + (<usize>(c - c0) << 2)));
    }
  }
}

