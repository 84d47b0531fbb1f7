// Per-channel kernels over [rows, channels] (channels last): channelSums, channelAffine, prelu,
// preluBackward. SIMD over channels (4 lanes), rows in order.
//
// Sums (channelSums, preluBackward's dalpha) are deterministic whatever the thread count: rows are cut
// into fixed blocks of BLOCK rows, each block gives an f32 partial per channel (rows in order), and the
// partials are added in block order in f64. The three modes compute exactly that, with different work
// splits:
//   mode 0 (direct): parts split the channels (aligned to 4); each part walks all blocks.
//   mode 1 (phase 1 of 2): parts split the blocks; each writes its blocks' partials to `partial`
//          ([blocks, 2 * channels] for channelSums, [blocks, channels] for dalpha).
//   mode 2 (phase 2 of 2): parts split the channels; add the partials of every block in order.
import { ai, ap, splitAt, scratchOf } from './common';

export const BLOCK: i32 = 256;

// ---------------------------------------------------------------- channelSums
/**
 * Sums over rows [r0, r1) for channels [c0, c1): dA[c - c0] = Σ (a − cA), dAB[c - c0] = Σ (a − cA)(b − cB).
 */
// @ts-ignore: decorator
@inline function sumsBlock(
  a: usize, b: usize, cA: usize, cB: usize, C: i32, r0: i32, r1: i32, c0: i32, c1: i32, dA: usize, dAB: usize,
): void {
  const rowB = <usize>C << 2;
  let c = c0;
  for (; c + 16 <= c1; c += 16) {
    const q = <usize>c << 2;
    const ca0 = v128.load(cA + q); const ca1 = v128.load(cA + q, 16); const ca2 = v128.load(cA + q, 32); const ca3 = v128.load(cA + q, 48);
    const cb0 = v128.load(cB + q); const cb1 = v128.load(cB + q, 16); const cb2 = v128.load(cB + q, 32); const cb3 = v128.load(cB + q, 48);
    let s0 = f32x4.splat(0); let s1 = s0; let s2 = s0; let s3 = s0;
    let t0 = s0; let t1 = s0; let t2 = s0; let t3 = s0;
    let pa = a + <usize>r0 * rowB + q; let pb = b + <usize>r0 * rowB + q;
    for (let r = r0; r < r1; r++) {
      const u0 = f32x4.sub(v128.load(pa), ca0); const u1 = f32x4.sub(v128.load(pa, 16), ca1);
      const u2 = f32x4.sub(v128.load(pa, 32), ca2); const u3 = f32x4.sub(v128.load(pa, 48), ca3);
      s0 = f32x4.add(s0, u0); s1 = f32x4.add(s1, u1); s2 = f32x4.add(s2, u2); s3 = f32x4.add(s3, u3);
      t0 = f32x4.add(t0, f32x4.mul(u0, f32x4.sub(v128.load(pb), cb0)));
      t1 = f32x4.add(t1, f32x4.mul(u1, f32x4.sub(v128.load(pb, 16), cb1)));
      t2 = f32x4.add(t2, f32x4.mul(u2, f32x4.sub(v128.load(pb, 32), cb2)));
      t3 = f32x4.add(t3, f32x4.mul(u3, f32x4.sub(v128.load(pb, 48), cb3)));
      pa += rowB; pb += rowB;
    }
    const o = <usize>(c - c0) << 2;
    v128.store(dA + o, s0); v128.store(dA + o, s1, 16); v128.store(dA + o, s2, 32); v128.store(dA + o, s3, 48);
    v128.store(dAB + o, t0); v128.store(dAB + o, t1, 16); v128.store(dAB + o, t2, 32); v128.store(dAB + o, t3, 48);
  }
  for (; c + 4 <= c1; c += 4) {
    const q = <usize>c << 2;
    const ca = v128.load(cA + q); const cb = v128.load(cB + q);
    let s = f32x4.splat(0); let t = s;
    let pa = a + <usize>r0 * rowB + q; let pb = b + <usize>r0 * rowB + q;
    for (let r = r0; r < r1; r++) {
      const u = f32x4.sub(v128.load(pa), ca);
      s = f32x4.add(s, u);
      t = f32x4.add(t, f32x4.mul(u, f32x4.sub(v128.load(pb), cb)));
      pa += rowB; pb += rowB;
    }
    const o = <usize>(c - c0) << 2;
    v128.store(dA + o, s); v128.store(dAB + o, t);
  }
  for (; c < c1; c++) {
    const q = <usize>c << 2;
    const ca = load<f32>(cA + q); const cb = load<f32>(cB + q);
    let s: f32 = 0; let t: f32 = 0;
    let pa = a + <usize>r0 * rowB + q; let pb = b + <usize>r0 * rowB + q;
    for (let r = r0; r < r1; r++) {
      const u = load<f32>(pa) - ca;
      s += u;
      t += u * (load<f32>(pb) - cb);
      pa += rowB; pb += rowB;
    }
    const o = <usize>(c - c0) << 2;
    store<f32>(dA + o, s); store<f32>(dAB + o, t);
  }
}

// @ts-ignore: decorator
@inline function accumulate(acc: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const d = acc + (<usize>i << 3);
    store<f64>(d, load<f64>(d) + <f64>load<f32>(src + (<usize>i << 2)));
  }
}

// @ts-ignore: decorator
@inline function storeF32(dst: usize, acc: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<f64>(acc + (<usize>i << 3)));
}

// slots: 0 a, 1 b, 2 centerA, 3 centerB, 4 sumA, 5 sumAB, 6 rows, 7 channels, 8 mode, 9 partial, 10 blocks
export function kChannelSums(args: usize, part: i32, parts: i32): void {
  const a = ap(args, 0); const b = ap(args, 1); const cA = ap(args, 2); const cB = ap(args, 3);
  const sumA = ap(args, 4); const sumAB = ap(args, 5); const rows = ai(args, 6); const C = ai(args, 7);
  const mode = ai(args, 8); const partial = ap(args, 9); const blocks = ai(args, 10);
  if (mode == 1) {
    const b0 = splitAt(blocks, 1, part, parts); const b1 = splitAt(blocks, 1, part + 1, parts);
    for (let k = b0; k < b1; k++) {
      const r0 = k * BLOCK; const r1 = min(rows, r0 + BLOCK);
      const d = partial + (<usize>k * (<usize>C << 1) << 2);
      sumsBlock(a, b, cA, cB, C, r0, r1, 0, C, d, d + (<usize>C << 2));
    }
    return;
  }
  const c0 = splitAt(C, 4, part, parts); const c1 = splitAt(C, 4, part + 1, parts);
  if (c0 >= c1) return;
  const n = c1 - c0;
  // scratch: f64 accumulators [2n], then f32 block partials [2n]
  const acc = scratchOf(args, part);
  const tmp = acc + (<usize>n << 4);
  memory.fill(acc, 0, <usize>n << 4);
  for (let k = 0; k < blocks; k++) {
    let pA: usize; let pAB: usize;
    if (mode == 2) {
      pA = partial + ((<usize>k * (<usize>C << 1) + c0) << 2);
      pAB = pA + (<usize>C << 2);
    } else {
      const r0 = k * BLOCK; const r1 = min(rows, r0 + BLOCK);
      pA = tmp; pAB = tmp + (<usize>n << 2);
      sumsBlock(a, b, cA, cB, C, r0, r1, c0, c1, pA, pAB);
    }
    accumulate(acc, pA, n);
    accumulate(acc + (<usize>n << 3), pAB, n);
  }
  storeF32(sumA + (<usize>c0 << 2), acc, n);
  storeF32(sumAB + (<usize>c0 << 2), acc + (<usize>n << 3), n);
}

// ---------------------------------------------------------------- channelAffine
// slots: 0 a, 1 b, 2 hasB, 3 s1, 4 s2, 5 s3, 6 out, 7 rows, 8 channels
// @ts-ignore: decorator
@inline function affineRows(a: usize, b: usize, hasB: bool, s1: usize, s2: usize, s3: usize, out: usize, C: i32, r0: i32, r1: i32): void {
  const rowB = <usize>C << 2;
  if (C == 1) {
    // one channel: a flat run of r1 - r0 elements with splat parameters
    const k1 = f32x4.splat(load<f32>(s1)); const k3 = f32x4.splat(load<f32>(s3));
    const k2 = hasB ? f32x4.splat(load<f32>(s2)) : f32x4.splat(0);
    const x1 = load<f32>(s1); const x3 = load<f32>(s3); const x2 = hasB ? load<f32>(s2) : <f32>0;
    let i = r0;
    for (; i + 4 <= r1; i += 4) {
      const q = <usize>i << 2;
      let y = f32x4.mul(v128.load(a + q), k1);
      if (hasB) y = f32x4.add(y, f32x4.mul(v128.load(b + q), k2));
      v128.store(out + q, f32x4.add(y, k3));
    }
    for (; i < r1; i++) {
      const q = <usize>i << 2;
      let y = load<f32>(a + q) * x1;
      if (hasB) y += load<f32>(b + q) * x2;
      store<f32>(out + q, y + x3);
    }
    return;
  }
  for (let r = r0; r < r1; r++) {
    const pa = a + <usize>r * rowB; const pb = b + <usize>r * rowB; const po = out + <usize>r * rowB;
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const q = <usize>c << 2;
      let y = f32x4.mul(v128.load(pa + q), v128.load(s1 + q));
      if (hasB) y = f32x4.add(y, f32x4.mul(v128.load(pb + q), v128.load(s2 + q)));
      v128.store(po + q, f32x4.add(y, v128.load(s3 + q)));
    }
    for (; c < C; c++) {
      const q = <usize>c << 2;
      let y = load<f32>(pa + q) * load<f32>(s1 + q);
      if (hasB) y += load<f32>(pb + q) * load<f32>(s2 + q);
      store<f32>(po + q, y + load<f32>(s3 + q));
    }
  }
}

export function kChannelAffine(args: usize, part: i32, parts: i32): void {
  const a = ap(args, 0); const b = ap(args, 1); const hasB = ai(args, 2) != 0;
  const s1 = ap(args, 3); const s2 = ap(args, 4); const s3 = ap(args, 5); const out = ap(args, 6);
  const rows = ai(args, 7); const C = ai(args, 8);
  const r0 = splitAt(rows, C == 1 ? 4 : 1, part, parts); const r1 = splitAt(rows, C == 1 ? 4 : 1, part + 1, parts);
  if (r0 >= r1) return;
  if (hasB) affineRows(a, b, true, s1, s2, s3, out, C, r0, r1);
  else affineRows(a, b, false, s1, s2, s3, out, C, r0, r1);
}

// ---------------------------------------------------------------- prelu
// slots: 0 x, 1 alpha, 2 out, 3 rows, 4 channels
export function kPrelu(args: usize, part: i32, parts: i32): void {
  const x = ap(args, 0); const alpha = ap(args, 1); const out = ap(args, 2);
  const rows = ai(args, 3); const C = ai(args, 4);
  const zero = f32x4.splat(0);
  if (C == 1) {
    const s = splitAt(rows, 4, part, parts); const e = splitAt(rows, 4, part + 1, parts);
    const al = load<f32>(alpha); const av = f32x4.splat(al);
    let i = s;
    for (; i + 4 <= e; i += 4) {
      const q = <usize>i << 2;
      const v = v128.load(x + q);
      v128.store(out + q, v128.bitselect(v, f32x4.mul(av, v), f32x4.gt(v, zero)));
    }
    for (; i < e; i++) { const q = <usize>i << 2; const v = load<f32>(x + q); store<f32>(out + q, v > 0 ? v : al * v); }
    return;
  }
  const r0 = splitAt(rows, 1, part, parts); const r1 = splitAt(rows, 1, part + 1, parts);
  const rowB = <usize>C << 2;
  for (let r = r0; r < r1; r++) {
    const px = x + <usize>r * rowB; const po = out + <usize>r * rowB;
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const q = <usize>c << 2;
      const v = v128.load(px + q);
      v128.store(po + q, v128.bitselect(v, f32x4.mul(v128.load(alpha + q), v), f32x4.gt(v, zero)));
    }
    for (; c < C; c++) {
      const q = <usize>c << 2;
      const v = load<f32>(px + q);
      store<f32>(po + q, v > 0 ? v : load<f32>(alpha + q) * v);
    }
  }
}

// ---------------------------------------------------------------- preluBackward
/** dx over rows [r0, r1) and channels [c0, c1); dA[c - c0] = Σ (x > 0 ? 0 : dy · x). */
// @ts-ignore: decorator
@inline function preluBwdBlock(
  x: usize, alpha: usize, dy: usize, dx: usize, C: i32, r0: i32, r1: i32, c0: i32, c1: i32, dA: usize,
): void {
  const rowB = <usize>C << 2;
  const zero = f32x4.splat(0);
  let c = c0;
  for (; c + 8 <= c1; c += 8) {
    const q = <usize>c << 2;
    const al0 = v128.load(alpha + q); const al1 = v128.load(alpha + q, 16);
    let s0 = zero; let s1 = zero;
    let off = <usize>r0 * rowB + q;
    for (let r = r0; r < r1; r++) {
      const x0 = v128.load(x + off); const x1 = v128.load(x + off, 16);
      const g0 = v128.load(dy + off); const g1 = v128.load(dy + off, 16);
      const m0 = f32x4.gt(x0, zero); const m1 = f32x4.gt(x1, zero);
      v128.store(dx + off, v128.bitselect(g0, f32x4.mul(al0, g0), m0));
      v128.store(dx + off, v128.bitselect(g1, f32x4.mul(al1, g1), m1), 16);
      s0 = f32x4.add(s0, v128.andnot(f32x4.mul(g0, x0), m0));
      s1 = f32x4.add(s1, v128.andnot(f32x4.mul(g1, x1), m1));
      off += rowB;
    }
    const o = <usize>(c - c0) << 2;
    v128.store(dA + o, s0); v128.store(dA + o, s1, 16);
  }
  for (; c + 4 <= c1; c += 4) {
    const q = <usize>c << 2;
    const al = v128.load(alpha + q);
    let s = zero;
    let off = <usize>r0 * rowB + q;
    for (let r = r0; r < r1; r++) {
      const xv = v128.load(x + off); const g = v128.load(dy + off);
      const m = f32x4.gt(xv, zero);
      v128.store(dx + off, v128.bitselect(g, f32x4.mul(al, g), m));
      s = f32x4.add(s, v128.andnot(f32x4.mul(g, xv), m));
      off += rowB;
    }
    v128.store(dA + (<usize>(c - c0) << 2), s);
  }
  for (; c < c1; c++) {
    const q = <usize>c << 2;
    const al = load<f32>(alpha + q);
    let s: f32 = 0;
    let off = <usize>r0 * rowB + q;
    for (let r = r0; r < r1; r++) {
      const xv = load<f32>(x + off); const g = load<f32>(dy + off);
      const pos = xv > 0;
      store<f32>(dx + off, pos ? g : al * g);
      s += pos ? <f32>0 : g * xv;
      off += rowB;
    }
    store<f32>(dA + (<usize>(c - c0) << 2), s);
  }
}

// slots: 0 x, 1 alpha, 2 dy, 3 dx, 4 dalpha, 5 rows, 6 channels, 7 mode, 8 partial, 9 blocks
export function kPreluBackward(args: usize, part: i32, parts: i32): void {
  const x = ap(args, 0); const alpha = ap(args, 1); const dy = ap(args, 2); const dx = ap(args, 3);
  const dalpha = ap(args, 4); const rows = ai(args, 5); const C = ai(args, 6);
  const mode = ai(args, 7); const partial = ap(args, 8); const blocks = ai(args, 9);
  if (mode == 1) {
    const b0 = splitAt(blocks, 1, part, parts); const b1 = splitAt(blocks, 1, part + 1, parts);
    for (let k = b0; k < b1; k++) {
      const r0 = k * BLOCK; const r1 = min(rows, r0 + BLOCK);
      preluBwdBlock(x, alpha, dy, dx, C, r0, r1, 0, C, partial + (<usize>k * C << 2));
    }
    return;
  }
  const c0 = splitAt(C, 4, part, parts); const c1 = splitAt(C, 4, part + 1, parts);
  if (c0 >= c1) return;
  const n = c1 - c0;
  const acc = scratchOf(args, part);
  const tmp = acc + (<usize>n << 3);
  memory.fill(acc, 0, <usize>n << 3);
  for (let k = 0; k < blocks; k++) {
    let p: usize;
    if (mode == 2) {
      p = partial + ((<usize>k * C + c0) << 2);
    } else {
      const r0 = k * BLOCK; const r1 = min(rows, r0 + BLOCK);
      p = tmp;
      preluBwdBlock(x, alpha, dy, dx, C, r0, r1, c0, c1, p);
    }
    accumulate(acc, p, n);
  }
  storeF32(dalpha + (<usize>c0 << 2), acc, n);
}
