// fill, unary, binary, where, copy, cast, sgd, axpby.
import { ai, ap, af, splitAt, scratchOf } from './common';

// ---------------------------------------------------------------- fill
export function kFill(args: usize, part: i32, parts: i32): void {
  const out = ap(args, 0); const n = ai(args, 1); const bits = <u32>load<f64>(args + 16);
  const s = splitAt(n, 4, part, parts); const e = splitAt(n, 4, part + 1, parts);
  const v = i32x4.splat(bits);
  let i = s;
  for (; i + 4 <= e; i += 4) v128.store(out + (<usize>i << 2), v);
  for (; i < e; i++) store<u32>(out + (<usize>i << 2), bits);
}

// ---------------------------------------------------------------- unary
// op ids follow UNARY_OPS in engine/kernels.ts
// @ts-ignore: decorator
@inline function unaryV(op: i32, x: v128, a: v128, b: v128): v128 {
  const one = f32x4.splat(1); const zero = f32x4.splat(0);
  if (op == 0) return f32x4.neg(x);
  if (op == 3) return f32x4.sqrt(x);
  if (op == 4) return f32x4.div(one, f32x4.sqrt(x));
  if (op == 5) return f32x4.abs(x);
  if (op == 6) return v128.or(v128.and(f32x4.gt(x, zero), one), v128.and(f32x4.lt(x, zero), f32x4.splat(-1)));
  if (op == 7) return v128.and(f32x4.gt(x, zero), x);
  if (op == 8) return f32x4.mul(x, x);
  if (op == 9) return f32x4.div(one, x);
  if (op == 15) return v128.and(f32x4.gt(x, zero), one);
  if (op == 16) return f32x4.min(f32x4.max(x, a), b);
  if (op == 17) return f32x4.add(f32x4.mul(a, x), b);
  return x;
}
// @ts-ignore: decorator
@inline function unaryS(op: i32, x: f32, a: f32, b: f32): f32 {
  if (op == 0) return -x;
  if (op == 1) return Mathf.exp(x);
  if (op == 2) return Mathf.log(x);
  if (op == 3) return Mathf.sqrt(x);
  if (op == 4) return 1 / Mathf.sqrt(x);
  if (op == 5) return Mathf.abs(x);
  if (op == 6) return x > 0 ? 1 : (x < 0 ? -1 : 0);
  if (op == 7) return x > 0 ? x : 0;
  if (op == 8) return x * x;
  if (op == 9) return 1 / x;
  if (op == 10) return <f32>Math.sin(<f64>x);
  if (op == 11) return <f32>Math.cos(<f64>x);
  if (op == 12) return Mathf.acos(x);
  if (op == 13) return Mathf.tanh(x);
  if (op == 14) return 1 / (1 + Mathf.exp(-x));
  if (op == 15) return x > 0 ? 1 : 0;
  if (op == 16) return min(max(x, a), b);
  if (op == 17) return a * x + b;
  if (op == 18) return Mathf.pow(x, a);
  return x;
}
// @ts-ignore: decorator
@inline function isSimdUnary(op: i32): bool {
  return op == 0 || (op >= 3 && op <= 9) || (op >= 15 && op <= 17);
}
// @ts-ignore: decorator
@inline function unaryLoop(op: i32, x: usize, out: usize, s: i32, e: i32, a: f32, b: f32): void {
  let i = s;
  if (isSimdUnary(op)) {
    const av = f32x4.splat(a); const bv = f32x4.splat(b);
    for (; i + 4 <= e; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, unaryV(op, v128.load(x + o), av, bv));
    }
  }
  for (; i < e; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, unaryS(op, load<f32>(x + o), a, b));
  }
}

export function kUnary(args: usize, part: i32, parts: i32): void {
  const op = ai(args, 0); const x = ap(args, 1); const out = ap(args, 2); const n = ai(args, 3);
  const a = af(args, 4); const b = af(args, 5);
  const s = splitAt(n, 4, part, parts); const e = splitAt(n, 4, part + 1, parts);
  switch (op) {
    case 0: unaryLoop(0, x, out, s, e, a, b); break;
    case 1: unaryLoop(1, x, out, s, e, a, b); break;
    case 2: unaryLoop(2, x, out, s, e, a, b); break;
    case 3: unaryLoop(3, x, out, s, e, a, b); break;
    case 4: unaryLoop(4, x, out, s, e, a, b); break;
    case 5: unaryLoop(5, x, out, s, e, a, b); break;
    case 6: unaryLoop(6, x, out, s, e, a, b); break;
    case 7: unaryLoop(7, x, out, s, e, a, b); break;
    case 8: unaryLoop(8, x, out, s, e, a, b); break;
    case 9: unaryLoop(9, x, out, s, e, a, b); break;
    case 10: unaryLoop(10, x, out, s, e, a, b); break;
    case 11: unaryLoop(11, x, out, s, e, a, b); break;
    case 12: unaryLoop(12, x, out, s, e, a, b); break;
    case 13: unaryLoop(13, x, out, s, e, a, b); break;
    case 14: unaryLoop(14, x, out, s, e, a, b); break;
    case 15: unaryLoop(15, x, out, s, e, a, b); break;
    case 16: unaryLoop(16, x, out, s, e, a, b); break;
    case 17: unaryLoop(17, x, out, s, e, a, b); break;
    default: unaryLoop(18, x, out, s, e, a, b); break;
  }
}

// ---------------------------------------------------------------- binary
// op ids follow BINARY_OPS: add sub mul div max min pow gt ge lt le eq ne
// @ts-ignore: decorator
@inline function binV(op: i32, x: v128, y: v128): v128 {
  const one = f32x4.splat(1);
  if (op == 0) return f32x4.add(x, y);
  if (op == 1) return f32x4.sub(x, y);
  if (op == 2) return f32x4.mul(x, y);
  if (op == 3) return f32x4.div(x, y);
  if (op == 4) return f32x4.max(x, y);
  if (op == 5) return f32x4.min(x, y);
  if (op == 6) {
    return f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(
      Mathf.pow(f32x4.extract_lane(x, 0), f32x4.extract_lane(y, 0))),
      1, Mathf.pow(f32x4.extract_lane(x, 1), f32x4.extract_lane(y, 1))),
      2, Mathf.pow(f32x4.extract_lane(x, 2), f32x4.extract_lane(y, 2))),
      3, Mathf.pow(f32x4.extract_lane(x, 3), f32x4.extract_lane(y, 3)));
  }
  if (op == 7) return v128.and(f32x4.gt(x, y), one);
  if (op == 8) return v128.and(f32x4.ge(x, y), one);
  if (op == 9) return v128.and(f32x4.lt(x, y), one);
  if (op == 10) return v128.and(f32x4.le(x, y), one);
  if (op == 11) return v128.and(f32x4.eq(x, y), one);
  return v128.and(f32x4.ne(x, y), one);
}
// @ts-ignore: decorator
@inline function binS(op: i32, x: f32, y: f32): f32 {
  if (op == 0) return x + y;
  if (op == 1) return x - y;
  if (op == 2) return x * y;
  if (op == 3) return x / y;
  if (op == 4) return (x != x || y != y) ? NaN : max(x, y);
  if (op == 5) return (x != x || y != y) ? NaN : min(x, y);
  if (op == 6) return Mathf.pow(x, y);
  if (op == 7) return x > y ? 1 : 0;
  if (op == 8) return x >= y ? 1 : 0;
  if (op == 9) return x < y ? 1 : 0;
  if (op == 10) return x <= y ? 1 : 0;
  if (op == 11) return x == y ? 1 : 0;
  return x != y ? 1 : 0;
}

/** One run of `len` outputs; a and b advance by sa, sb elements. */
// @ts-ignore: decorator
@inline function binRow(op: i32, a: usize, b: usize, o: usize, len: i32, sa: i32, sb: i32): void {
  let i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + 4 <= len; i += 4) { const q = <usize>i << 2; v128.store(o + q, binV(op, v128.load(a + q), v128.load(b + q))); }
    for (; i < len; i++) { const q = <usize>i << 2; store<f32>(o + q, binS(op, load<f32>(a + q), load<f32>(b + q))); }
  } else if (sa == 1 && sb == 0) {
    const ys = load<f32>(b); const y = f32x4.splat(ys);
    for (; i + 4 <= len; i += 4) { const q = <usize>i << 2; v128.store(o + q, binV(op, v128.load(a + q), y)); }
    for (; i < len; i++) { const q = <usize>i << 2; store<f32>(o + q, binS(op, load<f32>(a + q), ys)); }
  } else if (sa == 0 && sb == 1) {
    const xs = load<f32>(a); const x = f32x4.splat(xs);
    for (; i + 4 <= len; i += 4) { const q = <usize>i << 2; v128.store(o + q, binV(op, x, v128.load(b + q))); }
    for (; i < len; i++) { const q = <usize>i << 2; store<f32>(o + q, binS(op, xs, load<f32>(b + q))); }
  } else {
    const sA = <usize>sa << 2; const sB = <usize>sb << 2;
    for (; i < len; i++) { store<f32>(o + (<usize>i << 2), binS(op, load<f32>(a), load<f32>(b))); a += sA; b += sB; }
  }
}

function binRowOp(op: i32, a: usize, b: usize, o: usize, len: i32, sa: i32, sb: i32): void {
  switch (op) {
    case 0: binRow(0, a, b, o, len, sa, sb); break;
    case 1: binRow(1, a, b, o, len, sa, sb); break;
    case 2: binRow(2, a, b, o, len, sa, sb); break;
    case 3: binRow(3, a, b, o, len, sa, sb); break;
    case 4: binRow(4, a, b, o, len, sa, sb); break;
    case 5: binRow(5, a, b, o, len, sa, sb); break;
    case 6: binRow(6, a, b, o, len, sa, sb); break;
    case 7: binRow(7, a, b, o, len, sa, sb); break;
    case 8: binRow(8, a, b, o, len, sa, sb); break;
    case 9: binRow(9, a, b, o, len, sa, sb); break;
    case 10: binRow(10, a, b, o, len, sa, sb); break;
    case 11: binRow(11, a, b, o, len, sa, sb); break;
    default: binRow(12, a, b, o, len, sa, sb); break;
  }
}

// Strided iteration shared by binary / where / copy.
// Layout in args from slot `base`: rank, dims[6], then `nstr` stride arrays of 6 (outermost first).
// The output of binary/where is contiguous; copy has explicit output strides.
// Iterates the flat range [s, e) of the index space, calling a row callback per innermost run.

// Per-instance iteration state (globals are thread-local).
let itIdx0: i32 = 0; let itIdx1: i32 = 0; let itIdx2: i32 = 0; let itIdx3: i32 = 0; let itIdx4: i32 = 0;

// @ts-ignore: decorator
@inline function dimAt(args: usize, base: i32, d: i32): i32 { return ai(args, base + 1 + d); }
// @ts-ignore: decorator
@inline function strAt(args: usize, base: i32, arr: i32, d: i32): i32 { return ai(args, base + 7 + arr * 6 + d); }

export function kBinary(args: usize, part: i32, parts: i32): void {
  const op = ai(args, 0); const a = ap(args, 1); const b = ap(args, 2); const out = ap(args, 3);
  // shape block at slot 4: rank=6 always (host pads), dims 5..10, aStr 11..16, bStr 17..22
  const base = 4;
  const inner = dimAt(args, base, 5);
  let total: i64 = 1;
  for (let d = 0; d < 6; d++) total *= dimAt(args, base, d);
  const s = splitAt(<i32>total, 4, part, parts); const e = splitAt(<i32>total, 4, part + 1, parts);
  if (s >= e) return;
  const saI = strAt(args, base, 0, 5); const sbI = strAt(args, base, 1, 5);
  // multi-index of s
  let row = s / inner; let col = s - row * inner;
  const idx = scratchOf(args, part);
  let aOff: i64 = 0; let bOff: i64 = 0;
  for (let d = 4; d >= 0; d--) {
    const dim = dimAt(args, base, d);
    const id = row % dim; row /= dim;
    store<i32>(idx + (<usize>d << 2), id);
    aOff += <i64>id * strAt(args, base, 0, d); bOff += <i64>id * strAt(args, base, 1, d);
  }
  let pos = s;
  while (pos < e) {
    const len = min(inner - col, e - pos);
    binRowOp(op, a + (<usize>(aOff + <i64>col * saI) << 2), b + (<usize>(bOff + <i64>col * sbI) << 2),
      out + (<usize>pos << 2), len, saI, sbI);
    pos += len; col = 0;
    // odometer
    for (let d = 4; d >= 0; d--) {
      const id = load<i32>(idx + (<usize>d << 2)) + 1;
      if (id < dimAt(args, base, d)) {
        store<i32>(idx + (<usize>d << 2), id);
        aOff += strAt(args, base, 0, d); bOff += strAt(args, base, 1, d);
        break;
      }
      store<i32>(idx + (<usize>d << 2), 0);
      aOff -= <i64>(id - 1) * strAt(args, base, 0, d); bOff -= <i64>(id - 1) * strAt(args, base, 1, d);
    }
  }
}

// ---------------------------------------------------------------- where
export function kWhere(args: usize, part: i32, parts: i32): void {
  const cond = ap(args, 0); const a = ap(args, 1); const b = ap(args, 2); const out = ap(args, 3);
  // shape block at slot 4: dims 5..10, condStr 11..16, aStr 17..22, bStr 23..28
  const base = 4;
  const inner = dimAt(args, base, 5);
  let total: i64 = 1;
  for (let d = 0; d < 6; d++) total *= dimAt(args, base, d);
  const s = splitAt(<i32>total, 4, part, parts); const e = splitAt(<i32>total, 4, part + 1, parts);
  if (s >= e) return;
  const scI = strAt(args, base, 0, 5); const saI = strAt(args, base, 1, 5); const sbI = strAt(args, base, 2, 5);
  let row = s / inner; let col = s - row * inner;
  const idx = scratchOf(args, part);
  let cOff: i64 = 0; let aOff: i64 = 0; let bOff: i64 = 0;
  for (let d = 4; d >= 0; d--) {
    const dim = dimAt(args, base, d);
    const id = row % dim; row /= dim;
    store<i32>(idx + (<usize>d << 2), id);
    cOff += <i64>id * strAt(args, base, 0, d); aOff += <i64>id * strAt(args, base, 1, d); bOff += <i64>id * strAt(args, base, 2, d);
  }
  let pos = s;
  const zero = f32x4.splat(0);
  while (pos < e) {
    const len = min(inner - col, e - pos);
    let pc = cond + (<usize>(cOff + <i64>col * scI) << 2);
    let pa = a + (<usize>(aOff + <i64>col * saI) << 2);
    let pb = b + (<usize>(bOff + <i64>col * sbI) << 2);
    let po = out + (<usize>pos << 2);
    let i = 0;
    if (scI == 1 && saI == 1 && sbI == 1) {
      for (; i + 4 <= len; i += 4) {
        const q = <usize>i << 2;
        const m = f32x4.ne(v128.load(pc + q), zero);
        v128.store(po + q, v128.bitselect(v128.load(pa + q), v128.load(pb + q), m));
      }
      pc += <usize>i << 2; pa += <usize>i << 2; pb += <usize>i << 2; po += <usize>i << 2;
    }
    const sC = <usize>scI << 2; const sA = <usize>saI << 2; const sB = <usize>sbI << 2;
    for (; i < len; i++) {
      store<f32>(po, load<f32>(pc) != 0 ? load<f32>(pa) : load<f32>(pb));
      pc += sC; pa += sA; pb += sB; po += 4;
    }
    pos += len; col = 0;
    for (let d = 4; d >= 0; d--) {
      const id = load<i32>(idx + (<usize>d << 2)) + 1;
      if (id < dimAt(args, base, d)) {
        store<i32>(idx + (<usize>d << 2), id);
        cOff += strAt(args, base, 0, d); aOff += strAt(args, base, 1, d); bOff += strAt(args, base, 2, d);
        break;
      }
      store<i32>(idx + (<usize>d << 2), 0);
      cOff -= <i64>(id - 1) * strAt(args, base, 0, d); aOff -= <i64>(id - 1) * strAt(args, base, 1, d);
      bOff -= <i64>(id - 1) * strAt(args, base, 2, d);
    }
  }
}

// ---------------------------------------------------------------- copy
export function kCopy(args: usize, part: i32, parts: i32): void {
  const x = ap(args, 0); const out = ap(args, 1); const xOff = ai(args, 2); const oOff = ai(args, 3);
  // shape block at slot 4: dims 5..10, xStr 11..16, outStr 17..22
  const base = 4;
  const inner = dimAt(args, base, 5);
  let total: i64 = 1;
  for (let d = 0; d < 6; d++) total *= dimAt(args, base, d);
  const s = splitAt(<i32>total, 4, part, parts); const e = splitAt(<i32>total, 4, part + 1, parts);
  if (s >= e) return;
  const sxI = strAt(args, base, 0, 5); const soI = strAt(args, base, 1, 5);
  let row = s / inner; let col = s - row * inner;
  const idx = scratchOf(args, part);
  let xO: i64 = xOff; let oO: i64 = oOff;
  for (let d = 4; d >= 0; d--) {
    const dim = dimAt(args, base, d);
    const id = row % dim; row /= dim;
    store<i32>(idx + (<usize>d << 2), id);
    xO += <i64>id * strAt(args, base, 0, d); oO += <i64>id * strAt(args, base, 1, d);
  }
  let pos = s;
  while (pos < e) {
    const len = min(inner - col, e - pos);
    let px = x + (<usize>(xO + <i64>col * sxI) << 2);
    let po = out + (<usize>(oO + <i64>col * soI) << 2);
    if (sxI == 1 && soI == 1) {
      memory.copy(po, px, <usize>len << 2);
    } else if (soI == 1 && sxI == 0) {
      const v = load<u32>(px);
      for (let i = 0; i < len; i++) { store<u32>(po, v); po += 4; }
    } else {
      const sX = <usize>sxI << 2; const sO = <usize>soI << 2;
      for (let i = 0; i < len; i++) { store<u32>(po, load<u32>(px)); px += sX; po += sO; }
    }
    pos += len; col = 0;
    for (let d = 4; d >= 0; d--) {
      const id = load<i32>(idx + (<usize>d << 2)) + 1;
      if (id < dimAt(args, base, d)) {
        store<i32>(idx + (<usize>d << 2), id);
        xO += strAt(args, base, 0, d); oO += strAt(args, base, 1, d);
        break;
      }
      store<i32>(idx + (<usize>d << 2), 0);
      xO -= <i64>(id - 1) * strAt(args, base, 0, d); oO -= <i64>(id - 1) * strAt(args, base, 1, d);
    }
  }
}

// ---------------------------------------------------------------- cast
// dtype codes: 0 f32, 1 i32, 2 u32
export function kCast(args: usize, part: i32, parts: i32): void {
  const x = ap(args, 0); const out = ap(args, 1); const n = ai(args, 2); const from = ai(args, 3); const to = ai(args, 4);
  const s = splitAt(n, 4, part, parts); const e = splitAt(n, 4, part + 1, parts);
  let i = s;
  if (from == 0 && to == 1) {
    for (; i + 4 <= e; i += 4) { const q = <usize>i << 2; v128.store(out + q, i32x4.trunc_sat_f32x4_s(v128.load(x + q))); }
    for (; i < e; i++) { const q = <usize>i << 2; store<i32>(out + q, <i32>load<f32>(x + q)); }
  } else if (from == 0 && to == 2) {
    for (; i + 4 <= e; i += 4) { const q = <usize>i << 2; v128.store(out + q, i32x4.trunc_sat_f32x4_u(v128.load(x + q))); }
    for (; i < e; i++) { const q = <usize>i << 2; store<u32>(out + q, <u32>load<f32>(x + q)); }
  } else if (from == 1 && to == 0) {
    for (; i + 4 <= e; i += 4) { const q = <usize>i << 2; v128.store(out + q, f32x4.convert_i32x4_s(v128.load(x + q))); }
    for (; i < e; i++) { const q = <usize>i << 2; store<f32>(out + q, <f32>load<i32>(x + q)); }
  } else if (from == 2 && to == 0) {
    for (; i + 4 <= e; i += 4) { const q = <usize>i << 2; v128.store(out + q, f32x4.convert_i32x4_u(v128.load(x + q))); }
    for (; i < e; i++) { const q = <usize>i << 2; store<f32>(out + q, <f32>load<u32>(x + q)); }
  } else {
    if (e > s) memory.copy(out + (<usize>s << 2), x + (<usize>s << 2), <usize>(e - s) << 2);
  }
}

// ---------------------------------------------------------------- sgd, axpby
export function kSgd(args: usize, part: i32, parts: i32): void {
  const param = ap(args, 0); const grad = ap(args, 1); const vel = ap(args, 2); const n = ai(args, 3);
  const lr = af(args, 4); const mom = af(args, 5); const wd = af(args, 6); const nesterov = ai(args, 7) != 0;
  const s = splitAt(n, 4, part, parts); const e = splitAt(n, 4, part + 1, parts);
  const lrV = f32x4.splat(lr); const momV = f32x4.splat(mom); const wdV = f32x4.splat(wd);
  let i = s;
  for (; i + 4 <= e; i += 4) {
    const q = <usize>i << 2;
    const p = v128.load(param + q);
    const g = f32x4.add(v128.load(grad + q), f32x4.mul(wdV, p));
    const v = f32x4.add(f32x4.mul(momV, v128.load(vel + q)), g);
    const d = nesterov ? f32x4.add(g, f32x4.mul(momV, v)) : v;
    v128.store(vel + q, v);
    v128.store(param + q, f32x4.sub(p, f32x4.mul(lrV, d)));
  }
  for (; i < e; i++) {
    const q = <usize>i << 2;
    const p = load<f32>(param + q);
    const g = load<f32>(grad + q) + wd * p;
    const v = mom * load<f32>(vel + q) + g;
    const d = nesterov ? g + mom * v : v;
    store<f32>(vel + q, v);
    store<f32>(param + q, p - lr * d);
  }
}

export function kAxpby(args: usize, part: i32, parts: i32): void {
  const x = ap(args, 0); const y = ap(args, 1); const n = ai(args, 2); const alpha = af(args, 3); const beta = af(args, 4);
  const s = splitAt(n, 4, part, parts); const e = splitAt(n, 4, part + 1, parts);
  const aV = f32x4.splat(alpha); const bV = f32x4.splat(beta);
  let i = s;
  for (; i + 4 <= e; i += 4) {
    const q = <usize>i << 2;
    v128.store(y + q, f32x4.add(f32x4.mul(aV, v128.load(x + q)), f32x4.mul(bV, v128.load(y + q))));
  }
  for (; i < e; i++) { const q = <usize>i << 2; store<f32>(y + q, alpha * load<f32>(x + q) + beta * load<f32>(y + q)); }
}
