// reduce, gatherRows, scatterAddRows, scatterRows, takeAlongLast, putAlongLastAdd, topk, logSoftmax.
import { ai, ap, splitAt, scratchOf } from './common';

// @ts-ignore: decorator
@inline function redV(op: i32, x: v128, y: v128): v128 {
  if (op == 0) return f32x4.add(x, y);
  if (op == 1) return f32x4.max(x, y);
  return f32x4.min(x, y);
}
// @ts-ignore: decorator
@inline function redS(op: i32, x: f32, y: f32): f32 {
  if (op == 0) return x + y;
  if (x != x || y != y) return NaN;
  if (op == 1) return max(x, y);
  return min(x, y);
}

// @ts-ignore: decorator
@inline function reduceBlock(op: i32, x: usize, out: usize, o0: i32, o1: i32, r: i32, inner: i32, i0: i32, i1: i32): void {
  const rowB = <usize>inner << 2;
  if (inner == 1) {
    for (let o = o0; o < o1; o++) {
      const src = x + (<usize>o * r << 2);
      let res: f32;
      if (r >= 8) {
        let v0 = v128.load(src); let v1 = v128.load(src, 16);
        let j = 8;
        for (; j + 8 <= r; j += 8) {
          const q = src + (<usize>j << 2);
          v0 = redV(op, v0, v128.load(q)); v1 = redV(op, v1, v128.load(q, 16));
        }
        v0 = redV(op, v0, v1);
        res = redS(op, redS(op, f32x4.extract_lane(v0, 0), f32x4.extract_lane(v0, 1)),
          redS(op, f32x4.extract_lane(v0, 2), f32x4.extract_lane(v0, 3)));
        for (; j < r; j++) res = redS(op, res, load<f32>(src + (<usize>j << 2)));
      } else {
        res = load<f32>(src);
        for (let j = 1; j < r; j++) res = redS(op, res, load<f32>(src + (<usize>j << 2)));
      }
      store<f32>(out + (<usize>o << 2), res);
    }
    return;
  }
  for (let o = o0; o < o1; o++) {
    const dst = out + ((<usize>o * inner + i0) << 2);
    const src0 = x + ((<usize>o * r * inner + i0) << 2);
    const len = i1 - i0;
    // blocks of 16 columns kept in registers across r
    let i = 0;
    for (; i + 16 <= len; i += 16) {
      let p = src0 + (<usize>i << 2);
      let v0 = v128.load(p); let v1 = v128.load(p, 16); let v2 = v128.load(p, 32); let v3 = v128.load(p, 48);
      for (let j = 1; j < r; j++) {
        p += rowB;
        v0 = redV(op, v0, v128.load(p)); v1 = redV(op, v1, v128.load(p, 16));
        v2 = redV(op, v2, v128.load(p, 32)); v3 = redV(op, v3, v128.load(p, 48));
      }
      const d = dst + (<usize>i << 2);
      v128.store(d, v0); v128.store(d, v1, 16); v128.store(d, v2, 32); v128.store(d, v3, 48);
    }
    for (; i + 4 <= len; i += 4) {
      let p = src0 + (<usize>i << 2);
      let v0 = v128.load(p);
      for (let j = 1; j < r; j++) { p += rowB; v0 = redV(op, v0, v128.load(p)); }
      v128.store(dst + (<usize>i << 2), v0);
    }
    for (; i < len; i++) {
      let p = src0 + (<usize>i << 2);
      let v = load<f32>(p);
      for (let j = 1; j < r; j++) { p += rowB; v = redS(op, v, load<f32>(p)); }
      store<f32>(dst + (<usize>i << 2), v);
    }
  }
}

export function kReduce(args: usize, part: i32, parts: i32): void {
  const op = ai(args, 0); const x = ap(args, 1); const out = ap(args, 2);
  const outer = ai(args, 3); const r = ai(args, 4); const inner = ai(args, 5);
  let o0 = 0; let o1 = outer; let i0 = 0; let i1 = inner;
  if (outer >= parts || inner < 8) {
    o0 = splitAt(outer, 1, part, parts); o1 = splitAt(outer, 1, part + 1, parts);
  } else {
    i0 = splitAt(inner, 4, part, parts); i1 = splitAt(inner, 4, part + 1, parts);
  }
  if (o0 >= o1 || i0 >= i1) return;
  if (op == 0) reduceBlock(0, x, out, o0, o1, r, inner, i0, i1);
  else if (op == 1) reduceBlock(1, x, out, o0, o1, r, inner, i0, i1);
  else reduceBlock(2, x, out, o0, o1, r, inner, i0, i1);
}

// ---------------------------------------------------------------- rows
export function kGatherRows(args: usize, part: i32, parts: i32): void {
  const table = ap(args, 0); const idx = ap(args, 1); const out = ap(args, 2);
  const rows = ai(args, 3); const cols = ai(args, 4); const tableRows = ai(args, 5);
  const s = splitAt(rows, 1, part, parts); const e = splitAt(rows, 1, part + 1, parts);
  const rowB = <usize>cols << 2;
  for (let r = s; r < e; r++) {
    const t = load<i32>(idx + (<usize>r << 2));
    const dst = out + <usize>r * rowB;
    if (t >= 0 && t < tableRows) memory.copy(dst, table + <usize>t * rowB, rowB);
    else memory.fill(dst, 0, rowB);
  }
}

/** mode 0: out[idx[r]] += src[r]; mode 1: out[idx[r]] = src[r]. Split by columns: deterministic. */
// @ts-ignore: decorator
@inline function scatterRowsImpl(args: usize, part: i32, parts: i32, add: bool): void {
  const src = ap(args, 0); const idx = ap(args, 1); const out = ap(args, 2);
  const rows = ai(args, 3); const cols = ai(args, 4); const outRows = ai(args, 5);
  const c0 = splitAt(cols, 4, part, parts); const c1 = splitAt(cols, 4, part + 1, parts);
  if (c0 >= c1) return;
  const rowB = <usize>cols << 2;
  const len = c1 - c0;
  for (let r = 0; r < rows; r++) {
    const t = load<i32>(idx + (<usize>r << 2));
    if (t < 0 || t >= outRows) continue;
    const s = src + <usize>r * rowB + (<usize>c0 << 2);
    const d = out + <usize>t * rowB + (<usize>c0 << 2);
    if (!add) { memory.copy(d, s, <usize>len << 2); continue; }
    let i = 0;
    for (; i + 4 <= len; i += 4) {
      const q = <usize>i << 2;
      v128.store(d + q, f32x4.add(v128.load(d + q), v128.load(s + q)));
    }
    for (; i < len; i++) { const q = <usize>i << 2; store<f32>(d + q, load<f32>(d + q) + load<f32>(s + q)); }
  }
}
export function kScatterAddRows(args: usize, part: i32, parts: i32): void { scatterRowsImpl(args, part, parts, true); }
export function kScatterRows(args: usize, part: i32, parts: i32): void { scatterRowsImpl(args, part, parts, false); }

export function kTakeAlongLast(args: usize, part: i32, parts: i32): void {
  const x = ap(args, 0); const idx = ap(args, 1); const out = ap(args, 2);
  const rows = ai(args, 3); const cols = ai(args, 4); const k = ai(args, 5);
  const s = splitAt(rows, 1, part, parts); const e = splitAt(rows, 1, part + 1, parts);
  for (let r = s; r < e; r++) {
    const xr = x + (<usize>r * cols << 2);
    const base = <usize>r * k << 2;
    for (let t = 0; t < k; t++) {
      const c = load<i32>(idx + base + (<usize>t << 2));
      store<f32>(out + base + (<usize>t << 2), c >= 0 && c < cols ? load<f32>(xr + (<usize>c << 2)) : 0);
    }
  }
}

export function kPutAlongLastAdd(args: usize, part: i32, parts: i32): void {
  const src = ap(args, 0); const idx = ap(args, 1); const out = ap(args, 2);
  const rows = ai(args, 3); const cols = ai(args, 4); const k = ai(args, 5);
  const s = splitAt(rows, 1, part, parts); const e = splitAt(rows, 1, part + 1, parts);
  for (let r = s; r < e; r++) {
    const orow = out + (<usize>r * cols << 2);
    const base = <usize>r * k << 2;
    for (let t = 0; t < k; t++) {
      const c = load<i32>(idx + base + (<usize>t << 2));
      if (c >= 0 && c < cols) {
        const d = orow + (<usize>c << 2);
        store<f32>(d, load<f32>(d) + load<f32>(src + base + (<usize>t << 2)));
      }
    }
  }
}

export function kTopk(args: usize, part: i32, parts: i32): void {
  const x = ap(args, 0); const values = ap(args, 1); const indices = ap(args, 2);
  const rows = ai(args, 3); const cols = ai(args, 4); const k = ai(args, 5);
  const s = splitAt(rows, 1, part, parts); const e = splitAt(rows, 1, part + 1, parts);
  const vals = scratchOf(args, part); const ids = vals + 256;
  for (let r = s; r < e; r++) {
    const xr = x + (<usize>r * cols << 2);
    let count = 0;
    for (let c = 0; c < cols; c++) {
      const v = load<f32>(xr + (<usize>c << 2));
      if (count == k) {
        if (!(v > load<f32>(vals + (<usize>(k - 1) << 2)))) continue;
      } else {
        count++;
      }
      // insert v after all elements >= v (earlier columns win ties)
      let pos = count - 1;
      while (pos > 0 && load<f32>(vals + (<usize>(pos - 1) << 2)) < v) {
        store<f32>(vals + (<usize>pos << 2), load<f32>(vals + (<usize>(pos - 1) << 2)));
        store<i32>(ids + (<usize>pos << 2), load<i32>(ids + (<usize>(pos - 1) << 2)));
        pos--;
      }
      store<f32>(vals + (<usize>pos << 2), v);
      store<i32>(ids + (<usize>pos << 2), c);
    }
    memory.copy(values + (<usize>r * k << 2), vals, <usize>k << 2);
    memory.copy(indices + (<usize>r * k << 2), ids, <usize>k << 2);
  }
}

export function kLogSoftmax(args: usize, part: i32, parts: i32): void {
  const x = ap(args, 0); const out = ap(args, 1); const rows = ai(args, 2); const cols = ai(args, 3);
  const s = splitAt(rows, 1, part, parts); const e = splitAt(rows, 1, part + 1, parts);
  for (let r = s; r < e; r++) {
    const xr = x + (<usize>r * cols << 2);
    const orow = out + (<usize>r * cols << 2);
    let m: f32 = -Infinity;
    let c = 0;
    if (cols >= 4) {
      let mv = v128.load(xr);
      for (c = 4; c + 4 <= cols; c += 4) mv = f32x4.max(mv, v128.load(xr + (<usize>c << 2)));
      m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    }
    for (; c < cols; c++) m = max(m, load<f32>(xr + (<usize>c << 2)));
    let sum: f64 = 0;
    for (c = 0; c < cols; c++) sum += <f64>Mathf.exp(load<f32>(xr + (<usize>c << 2)) - m);
    const ls = <f32>Math.log(sum);
    const mv4 = f32x4.splat(m); const lv = f32x4.splat(ls);
    c = 0;
    for (; c + 4 <= cols; c += 4) { const q = <usize>c << 2; v128.store(orow + q, f32x4.sub(f32x4.sub(v128.load(xr + q), mv4), lv)); }
    for (; c < cols; c++) { const q = <usize>c << 2; store<f32>(orow + q, (load<f32>(xr + q) - m) - ls); }
  }
}
