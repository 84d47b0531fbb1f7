// Per-channel kernels over [rows, channels] (channels last): channelSums, channelAffine, prelu,
// preluBackward. `T` is f32 here; the host also builds this file with T = vec4<f32> (shader
// 'channel4', for channels % 4 == 0), so every index below counts T elements: cv = channels / width.
//
// Sums over rows: the rows are cut into chunks of `len` rows; a chunk kernel gives one partial per
// (chunk, channel) — within a chunk, rows are added in blocks of 256 (f32 block sums, then the block
// sums) — and, when there is more than one chunk, a final kernel adds the chunk partials in order (also
// in blocks of 256). Software adapters (no barriers): one invocation per (chunk, channel), workgroups
// of 64 (the CPU driver runs workgroups on its threads: many small ones keep them all busy).
// Hardware: *_wg kernels, a workgroup per (chunk, tile of CL channels), RL = 256 / CL row lanes,
// reduced in workgroup memory.
//
// Resource variables share binding numbers between entry points (each entry point uses one set):
//   sums_*:      a(1) b(2) ca(3) cb(4) -> o0 = Σ(a − ca)(5), o1 = Σ(a − ca)(b − cb)(6)      'urrrrww'
//   pbwd_*:      x = a(1) alpha = b(2) dy = ca(3) [4 unused] -> dx = o0(5), Σ dalpha = o1(6)   'urrrrww'
//   final2:      a(1), b(2) chunk partials [4 unused] -> o0(5), o1(6)                        'urrrrww'
//   final1:      a(1) chunk partials -> w2(2)                                                'urw'
//   affine*:     a(1) b(2) s1(3) s2(4) s3(5) -> w6(6)                                        'urrrrrw'
//   prelu*:      a(1) alpha = b(2) -> w3(3)                                                  'urrw'
alias T = f32;

struct P { rows: u32, cv: u32, chunks: u32, len: u32, total: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> a: array<T>;
@group(0) @binding(2) var<storage, read> b: array<T>;
@group(0) @binding(3) var<storage, read> ca: array<T>;
@group(0) @binding(4) var<storage, read> cb: array<T>;
@group(0) @binding(5) var<storage, read_write> o0: array<T>;
@group(0) @binding(6) var<storage, read_write> o1: array<T>;
@group(0) @binding(2) var<storage, read_write> w2: array<T>;
@group(0) @binding(3) var<storage, read_write> w3: array<T>;
@group(0) @binding(5) var<storage, read> s3: array<T>;
@group(0) @binding(6) var<storage, read_write> w6: array<T>;

override HAS_B: bool = true;
/** Channel lanes of the workgroup kernels (a power of two <= 256). */
override CL: u32 = 16u;

const BLOCK = 256u;

fn tid(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * 256u; }
fn tid64(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * 64u; }

// ---------------------------------------------------------------- elementwise
@compute @workgroup_size(256)
fn affine(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = tid(gid, nwg);
  if (t >= p.total) { return; }
  let c = t % p.cv;
  var y = a[t] * ca[c] + s3[c];
  if (HAS_B) { y += b[t] * cb[c]; }
  w6[t] = y;
}

@compute @workgroup_size(256)
fn prelu(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = tid(gid, nwg);
  if (t >= p.total) { return; }
  let x = a[t];
  w3[t] = select(b[t % p.cv] * x, x, x > T(0.0));
}

// Software adapters: one invocation per (chunk of rows, channel): the per-channel values are loaded
// once and the row loop has no index division (much faster on CPU drivers than one element each).
@compute @workgroup_size(64)
fn affine_chunk(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = tid64(gid, nwg);
  if (t >= p.total) { return; }
  let v = t % p.cv;
  let k = t / p.cv;
  let r1 = min(p.rows, k * p.len + p.len);
  let k1 = ca[v];
  let k3 = s3[v];
  var k2 = T(0.0);
  if (HAS_B) { k2 = cb[v]; }
  for (var r = k * p.len; r < r1; r++) {
    let i = r * p.cv + v;
    var y = a[i] * k1 + k3;
    if (HAS_B) { y += b[i] * k2; }
    w6[i] = y;
  }
}

@compute @workgroup_size(64)
fn prelu_chunk(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = tid64(gid, nwg);
  if (t >= p.total) { return; }
  let v = t % p.cv;
  let k = t / p.cv;
  let r1 = min(p.rows, k * p.len + p.len);
  let al = b[v];
  for (var r = k * p.len; r < r1; r++) {
    let i = r * p.cv + v;
    let x = a[i];
    w3[i] = select(al * x, x, x > T(0.0));
  }
}

// ---------------------------------------------------------------- sums, one invocation per (chunk, channel)
@compute @workgroup_size(64)
fn sums_chunk(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = tid64(gid, nwg);
  if (t >= p.total) { return; }
  let v = t % p.cv;
  let k = t / p.cv;
  let r1 = min(p.rows, k * p.len + p.len);
  let cav = ca[v];
  let cbv = cb[v];
  var sA = T(0.0);
  var sAB = T(0.0);
  var r = k * p.len;
  while (r < r1) {
    let e = min(r1, r + BLOCK);
    var bA = T(0.0);
    var bAB = T(0.0);
    for (; r < e; r++) {
      let i = r * p.cv + v;
      let u = a[i] - cav;
      bA += u;
      bAB += u * (b[i] - cbv);
    }
    sA += bA;
    sAB += bAB;
  }
  o0[k * p.cv + v] = sA;
  o1[k * p.cv + v] = sAB;
}

@compute @workgroup_size(64)
fn pbwd_chunk(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = tid64(gid, nwg);
  if (t >= p.total) { return; }
  let v = t % p.cv;
  let k = t / p.cv;
  let r1 = min(p.rows, k * p.len + p.len);
  let al = b[v];
  var s = T(0.0);
  var r = k * p.len;
  while (r < r1) {
    let e = min(r1, r + BLOCK);
    var bs = T(0.0);
    for (; r < e; r++) {
      let i = r * p.cv + v;
      let x = a[i];
      let g = ca[i];
      let pos = x > T(0.0);
      o0[i] = select(al * g, g, pos);
      bs += select(g * x, T(0.0), pos);
    }
    s += bs;
  }
  o1[k * p.cv + v] = s;
}

// ---------------------------------------------------------------- sums over the chunk partials
// (two copies: an entry point may only reference the bindings it uses)
fn chunkSumA(v: u32) -> T {
  var s = T(0.0);
  var k = 0u;
  while (k < p.chunks) {
    let e = min(p.chunks, k + BLOCK);
    var bs = T(0.0);
    for (; k < e; k++) { bs += a[k * p.cv + v]; }
    s += bs;
  }
  return s;
}

fn chunkSumB(v: u32) -> T {
  var s = T(0.0);
  var k = 0u;
  while (k < p.chunks) {
    let e = min(p.chunks, k + BLOCK);
    var bs = T(0.0);
    for (; k < e; k++) { bs += b[k * p.cv + v]; }
    s += bs;
  }
  return s;
}

@compute @workgroup_size(256)
fn final2(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = tid(gid, nwg);
  if (t >= p.cv) { return; }
  o0[t] = chunkSumA(t);
  o1[t] = chunkSumB(t);
}

@compute @workgroup_size(256)
fn final1(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = tid(gid, nwg);
  if (t >= p.cv) { return; }
  w2[t] = chunkSumA(t);
}

// ---------------------------------------------------------------- sums, workgroup per (chunk, channel tile)
var<workgroup> redA: array<T, 256>;
var<workgroup> redB: array<T, 256>;

struct Lane { v: u32, k: u32, lr: u32, valid: bool }

fn lane(wid: vec3u, nwg: vec3u, l: u32) -> Lane {
  let tiles = (p.cv + CL - 1u) / CL;
  let g = wid.x + wid.y * nwg.x;
  let k = g / tiles;
  let v = (g % tiles) * CL + l % CL;
  return Lane(v, k, l / CL, v < p.cv && k < p.chunks);
}

/** Tree reduction of redA / redB over the row lanes; lane lr == 0 ends with the totals. */
fn reduceLanes(l: u32, both: bool) {
  workgroupBarrier();
  for (var s = 256u / CL / 2u; s > 0u; s >>= 1u) {
    if (l / CL < s) {
      redA[l] += redA[l + s * CL];
      if (both) { redB[l] += redB[l + s * CL]; }
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(256)
fn sums_wg(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) l: u32) {
  let ln = lane(wid, nwg, l);
  var sA = T(0.0);
  var sAB = T(0.0);
  if (ln.valid) {
    let cav = ca[ln.v];
    let cbv = cb[ln.v];
    let r1 = min(p.rows, ln.k * p.len + p.len);
    for (var r = ln.k * p.len + ln.lr; r < r1; r += 256u / CL) {
      let i = r * p.cv + ln.v;
      let u = a[i] - cav;
      sA += u;
      sAB += u * (b[i] - cbv);
    }
  }
  redA[l] = sA;
  redB[l] = sAB;
  reduceLanes(l, true);
  if (ln.valid && ln.lr == 0u) {
    o0[ln.k * p.cv + ln.v] = redA[l];
    o1[ln.k * p.cv + ln.v] = redB[l];
  }
}

@compute @workgroup_size(256)
fn pbwd_wg(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) l: u32) {
  let ln = lane(wid, nwg, l);
  var s = T(0.0);
  if (ln.valid) {
    let al = b[ln.v];
    let r1 = min(p.rows, ln.k * p.len + p.len);
    for (var r = ln.k * p.len + ln.lr; r < r1; r += 256u / CL) {
      let i = r * p.cv + ln.v;
      let x = a[i];
      let g = ca[i];
      let pos = x > T(0.0);
      o0[i] = select(al * g, g, pos);
      s += select(g * x, T(0.0), pos);
    }
  }
  redA[l] = s;
  reduceLanes(l, false);
  if (ln.valid && ln.lr == 0u) { o1[ln.k * p.cv + ln.v] = redA[l]; }
}
