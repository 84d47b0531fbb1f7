// Packed, register-blocked GEMM: C[m x n] (=|+=) A[m x k] . B[k x n].
// A and B are read through "modes" so the same driver serves matmul (plain / transposed operands)
// and the conv kernels (implicit im2col). Globals are per instance, i.e. per thread.

export const MR: i32 = 4;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 128;
export const NC: i32 = 1024;
/** Scratch bytes the driver needs per thread. */
export const GEMM_SCRATCH: i32 = (KC * NC + MC * KC + MR * NR) * 4;

export const A_ROWMAJOR: i32 = 0; // A[i,p] = aPtr[i*lda + p]
export const A_TRANS: i32 = 1;    // A[i,p] = aPtr[p*lda + i]
export const A_IM2COL: i32 = 2;   // conv forward: rows (n,oy,ox), cols (ky,kx,ci) of group cvG
export const A_DYGATHER: i32 = 3; // conv backward input: rows (n,iy,ix), cols (ky,kx,co) of group cvG

export const B_ROWMAJOR: i32 = 0; // B[p,j] = bPtr[p*ldb + j]
export const B_TRANS: i32 = 1;    // B[p,j] = bPtr[j*ldb + p]
export const B_CONVW: i32 = 2;    // conv backward input: rows (ky,kx,co), cols ci; bPtr = weight
export const B_IM2COL: i32 = 3;   // conv backward filter: rows (n,oy,ox), cols (ky,kx,ci)

export let aMode: i32 = 0;
export let aPtr: usize = 0;
export let lda: i32 = 0;
export let bMode: i32 = 0;
export let bPtr: usize = 0;
export let ldb: i32 = 0;

// conv geometry (for the im2col modes)
export let cvH: i32 = 0;
export let cvW: i32 = 0;
export let cvCin: i32 = 0;
export let cvCout: i32 = 0;
export let cvKh: i32 = 0;
export let cvKw: i32 = 0;
export let cvSh: i32 = 1;
export let cvSw: i32 = 1;
export let cvPh: i32 = 0;
export let cvPw: i32 = 0;
export let cvOh: i32 = 0;
export let cvOw: i32 = 0;
export let cvCinG: i32 = 0;
export let cvCoutG: i32 = 0;
export let cvG: i32 = 0;

export function setConv(h: i32, w: i32, cin: i32, cout: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, oh: i32, ow: i32, groups: i32): void {
  cvH = h; cvW = w; cvCin = cin; cvCout = cout; cvKh = kh; cvKw = kw; cvSh = sh; cvSw = sw;
  cvPh = ph; cvPw = pw; cvOh = oh; cvOw = ow; cvCinG = cin / groups; cvCoutG = cout / groups;
}

// ---------------------------------------------------------------- packing A
// Layout: panels of MR rows; panel q holds, for p in [0,kc), MR values (row-interleaved).

function packA(dst: usize, i0: i32, mc: i32, p0: i32, kc: i32): void {
  const mode = aMode;
  for (let ir = 0; ir < mc; ir += MR) {
    const panel = dst + (<usize>ir * kc << 2);
    const rows = min(MR, mc - ir);
    if (mode == A_TRANS) {
      let src = aPtr + ((<usize>p0 * lda + i0 + ir) << 2);
      const step = <usize>lda << 2;
      let d = panel;
      if (rows == MR) {
        for (let p = 0; p < kc; p++) { v128.store(d, v128.load(src)); src += step; d += MR << 2; }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), r < rows ? load<f32>(src + (<usize>r << 2)) : 0);
          src += step; d += MR << 2;
        }
      }
      continue;
    }
    for (let r = 0; r < MR; r++) {
      let d = panel + (<usize>r << 2);
      if (r >= rows) {
        for (let p = 0; p < kc; p++) { store<f32>(d, 0); d += MR << 2; }
        continue;
      }
      const i = i0 + ir + r;
      if (mode == A_ROWMAJOR) {
        let src = aPtr + ((<usize>i * lda + p0) << 2);
        for (let p = 0; p < kc; p++) { store<f32>(d, load<f32>(src)); src += 4; d += MR << 2; }
      } else if (mode == A_IM2COL) {
        // row i = (n, oy, ox); col p = (ky, kx, ci)
        const ox = i % cvOw; const t = i / cvOw; const oy = t % cvOh; const n = t / cvOh;
        const iy0 = oy * cvSh - cvPh; const ix0 = ox * cvSw - cvPw;
        const cg = cvCinG;
        let ci = p0 % cg; const kk = p0 / cg; let kx = kk % cvKw; let ky = kk / cvKw;
        const chanBase = aPtr + (<usize>(cvG * cg) << 2);
        let p = 0;
        while (p < kc) {
          const run = min(cg - ci, kc - p);
          const iy = iy0 + ky; const ix = ix0 + kx;
          if (iy >= 0 && iy < cvH && ix >= 0 && ix < cvW) {
            let src = chanBase + ((<usize>((n * cvH + iy) * cvW + ix) * cvCin + ci) << 2);
            for (let q = 0; q < run; q++) { store<f32>(d, load<f32>(src)); src += 4; d += MR << 2; }
          } else {
            for (let q = 0; q < run; q++) { store<f32>(d, 0); d += MR << 2; }
          }
          p += run; ci = 0; kx++;
          if (kx == cvKw) { kx = 0; ky++; }
        }
      } else {
        // A_DYGATHER: row i = (n, iy, ix); col p = (ky, kx, co)
        const ix = i % cvW; const t = i / cvW; const iy = t % cvH; const n = t / cvH;
        const cg = cvCoutG;
        let co = p0 % cg; const kk = p0 / cg; let kx = kk % cvKw; let ky = kk / cvKw;
        const chanBase = aPtr + (<usize>(cvG * cg) << 2);
        let p = 0;
        while (p < kc) {
          const run = min(cg - co, kc - p);
          const ty = iy + cvPh - ky; const tx = ix + cvPw - kx;
          const oy = ty / cvSh; const ox = tx / cvSw;
          if (ty >= 0 && tx >= 0 && oy * cvSh == ty && ox * cvSw == tx && oy < cvOh && ox < cvOw) {
            let src = chanBase + ((<usize>((n * cvOh + oy) * cvOw + ox) * cvCout + co) << 2);
            for (let q = 0; q < run; q++) { store<f32>(d, load<f32>(src)); src += 4; d += MR << 2; }
          } else {
            for (let q = 0; q < run; q++) { store<f32>(d, 0); d += MR << 2; }
          }
          p += run; co = 0; kx++;
          if (kx == cvKw) { kx = 0; ky++; }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- packing B
// Layout: panels of NR columns; panel q holds, for p in [0,kc), NR values.

function packB(dst: usize, p0: i32, kc: i32, j0: i32, nc: i32): void {
  const mode = bMode;
  if (mode == B_ROWMAJOR || mode == B_CONVW) {
    // rows are contiguous in j
    let ci = 0; let kx = 0; let ky = 0; let co = 0; const cgo = cvCoutG;
    if (mode == B_CONVW) { co = p0 % cgo; const kk = p0 / cgo; kx = kk % cvKw; ky = kk / cvKw; }
    const kTot = cvKh * cvKw * cvCinG;
    for (let p = 0; p < kc; p++) {
      let row: usize;
      if (mode == B_ROWMAJOR) {
        row = bPtr + ((<usize>(p0 + p) * ldb + j0) << 2);
      } else {
        // w[(g*coutG + co)*K + (ky*kw+kx)*cinG + ci]
        row = bPtr + ((<usize>(cvG * cgo + co) * kTot + (ky * cvKw + kx) * cvCinG + j0) << 2);
        co++;
        if (co == cgo) { co = 0; kx++; if (kx == cvKw) { kx = 0; ky++; } }
      }
      let d = dst + (<usize>p * NR << 2);
      let jr = 0;
      for (; jr + NR <= nc; jr += NR) {
        v128.store(d, v128.load(row + (<usize>jr << 2)));
        v128.store(d, v128.load(row + (<usize>jr << 2), 16), 16);
        d += <usize>kc * NR << 2;
      }
      if (jr < nc) {
        const rem = nc - jr;
        for (let c = 0; c < NR; c++) store<f32>(d + (<usize>c << 2), c < rem ? load<f32>(row + (<usize>(jr + c) << 2)) : 0);
      }
    }
    return;
  }
  if (mode == B_TRANS) {
    for (let jr = 0; jr < nc; jr += NR) {
      const panel = dst + (<usize>jr * kc << 2);
      const cols = min(NR, nc - jr);
      for (let c = 0; c < NR; c++) {
        let d = panel + (<usize>c << 2);
        if (c >= cols) { for (let p = 0; p < kc; p++) { store<f32>(d, 0); d += NR << 2; } continue; }
        let src = bPtr + ((<usize>(j0 + jr + c) * ldb + p0) << 2);
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const v = v128.load(src);
          store<f32>(d, f32x4.extract_lane(v, 0));
          store<f32>(d, f32x4.extract_lane(v, 1), NR << 2);
          store<f32>(d, f32x4.extract_lane(v, 2), NR << 3);
          store<f32>(d, f32x4.extract_lane(v, 3), NR * 12);
          src += 16; d += NR << 4;
        }
        for (; p < kc; p++) { store<f32>(d, load<f32>(src)); src += 4; d += NR << 2; }
      }
    }
    return;
  }
  // B_IM2COL: rows p = (n, oy, ox), cols j = (ky, kx, ci)
  const cg = cvCinG;
  const pixBase = p0;
  let ox = pixBase % cvOw; let t = pixBase / cvOw; let oy = t % cvOh; let n = t / cvOh;
  const chanBase = bPtr + (<usize>(cvG * cg) << 2);
  const ci0 = j0 % cg; const kk0 = j0 / cg; const kx0 = kk0 % cvKw; const ky0 = kk0 / cvKw;
  for (let p = 0; p < kc; p++) {
    const iy0 = oy * cvSh - cvPh; const ix0 = ox * cvSw - cvPw;
    let ci = ci0; let kx = kx0; let ky = ky0;
    let j = 0;
    while (j < nc) {
      const run = min(cg - ci, nc - j);
      const iy = iy0 + ky; const ix = ix0 + kx;
      const ok = iy >= 0 && iy < cvH && ix >= 0 && ix < cvW;
      let src = chanBase + ((<usize>((n * cvH + iy) * cvW + ix) * cvCin + ci) << 2);
      for (let q = 0; q < run; q++) {
        const jj = j + q;
        const d = dst + ((<usize>(jj & ~(NR - 1)) * kc + <usize>p * NR + (jj & (NR - 1))) << 2);
        store<f32>(d, ok ? load<f32>(src) : 0);
        src += 4;
      }
      j += run; ci = 0; kx++;
      if (kx == cvKw) { kx = 0; ky++; }
    }
    // zero the padding columns of the last panel
    const padEnd = (nc + NR - 1) & ~(NR - 1);
    for (let jj = nc; jj < padEnd; jj++) {
      store<f32>(dst + ((<usize>(jj & ~(NR - 1)) * kc + <usize>p * NR + (jj & (NR - 1))) << 2), 0);
    }
    ox++;
    if (ox == cvOw) { ox = 0; oy++; if (oy == cvOh) { oy = 0; n++; } }
  }
}

// ---------------------------------------------------------------- micro-kernel

// @ts-ignore: decorator
@inline function microFull(pa: usize, pb: usize, kc: i32, c: usize, ldcB: usize, acc: bool): void {
  let c00 = f32x4.splat(0); let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0); let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0); let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0); let c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb); const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0)); c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0)); c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += 16; pb += 32;
  }
  if (acc) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldcB)); c11 = f32x4.add(c11, v128.load(c + ldcB, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldcB)); c21 = f32x4.add(c21, v128.load(c + 2 * ldcB, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldcB)); c31 = f32x4.add(c31, v128.load(c + 3 * ldcB, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldcB, c10); v128.store(c + ldcB, c11, 16);
  v128.store(c + 2 * ldcB, c20); v128.store(c + 2 * ldcB, c21, 16);
  v128.store(c + 3 * ldcB, c30); v128.store(c + 3 * ldcB, c31, 16);
}

function microFullW(pa: usize, pb: usize, kc: i32, c: usize, ldcB: usize): void { microFull(pa, pb, kc, c, ldcB, false); }
function microFullA(pa: usize, pb: usize, kc: i32, c: usize, ldcB: usize): void { microFull(pa, pb, kc, c, ldcB, true); }

function microEdge(pa: usize, pb: usize, kc: i32, c: usize, ldcB: usize, acc: bool, mr: i32, nr: i32, tmp: usize): void {
  microFull(pa, pb, kc, tmp, NR << 2, false);
  for (let r = 0; r < mr; r++) {
    const crow = c + <usize>r * ldcB;
    const trow = tmp + (<usize>(r * NR) << 2);
    for (let q = 0; q < nr; q++) {
      const v = load<f32>(trow + (<usize>q << 2));
      const dst = crow + (<usize>q << 2);
      store<f32>(dst, acc ? load<f32>(dst) + v : v);
    }
  }
}

/**
 * C rows [ms, me) x cols [ns, ne) of the product; C element (i, j) at c + (i*ldc + j)*4.
 * A is m x k, B is k x n through the current modes. Each C element is computed the same way
 * whatever the split, so results do not depend on the thread count.
 */
export function gemm(k: i32, c: usize, ldc: i32, ms: i32, me: i32, ns: i32, ne: i32, scratch: usize): void {
  if (ms >= me || ns >= ne) return;
  const ldcB = <usize>ldc << 2;
  if (k <= 0) {
    for (let i = ms; i < me; i++) memory.fill(c + <usize>i * ldcB + (<usize>ns << 2), 0, <usize>(ne - ns) << 2);
    return;
  }
  const pb = scratch;
  const pa = scratch + (<usize>(KC * NC) << 2);
  const tmp = pa + (<usize>(MC * KC) << 2);
  for (let jc = ns; jc < ne; jc += NC) {
    const nc = min(NC, ne - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(pb, pc, kc, jc, nc);
      const acc = pc > 0;
      for (let ic = ms; ic < me; ic += MC) {
        const mc = min(MC, me - ic);
        packA(pa, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pbp = pb + (<usize>jr * kc << 2);
          let cp = c + <usize>ic * ldcB + (<usize>(jc + jr) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pap = pa + (<usize>ir * kc << 2);
            if (mr == MR && nr == NR) {
              if (acc) microFullA(pap, pbp, kc, cp, ldcB); else microFullW(pap, pbp, kc, cp, ldcB);
            } else {
              microEdge(pap, pbp, kc, cp, ldcB, acc, mr, nr, tmp);
            }
            cp += ldcB * MR;
          }
        }
      }
    }
  }
}
