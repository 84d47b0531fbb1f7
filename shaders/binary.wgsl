// Broadcasting binary ops and `where`. Dims are packed innermost first (dim 0 = fastest), rank <= 6
// after the host folded contiguous dims and dropped size-1 dims.
//   bin_general:   any strides, one element per invocation.
//   bin_fast:      vec4 per invocation; each operand is accessed in mode AM / BM:
//                  0 contiguous, 1 scalar, 2 row-broadcast (index % C), 3 column-broadcast (index / C);
//                  modes 2 and 3 need C % 4 == 0.
//   where_general: bits copied (any dtype); cond != 0 tested on the bits with the sign bit masked, so
//                  f32 -0.0 and integer 0 are both false.
struct P {
  n: u32, rank: u32, c: u32, _a: u32,
  shape: array<vec4<u32>, 2>,
  s0: array<vec4<u32>, 2>,
  s1: array<vec4<u32>, 2>,
  s2: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> wc: array<u32>;
@group(0) @binding(2) var<storage, read> wa: array<u32>;
@group(0) @binding(3) var<storage, read> wb: array<u32>;
@group(0) @binding(4) var<storage, read_write> wout: array<u32>;

override OP: u32 = 0u;
override AM: u32 = 0u;
override BM: u32 = 0u;

fn nan() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }

fn powf(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  let ax = abs(x);
  var r: f32;
  if (ax == 0.0) {
    var infBits = 0x7f800000u;
    r = select(0.0, bitcast<f32>(infBits), y < 0.0);
  } else {
    r = pow(ax, y);
  }
  if (x < 0.0) {
    if (floor(y) != y) { return nan(); }
    let h = y * 0.5;
    if (floor(h) != h) { r = -r; }
  }
  return r;
}

fn op(x: vec4<f32>, y: vec4<f32>) -> vec4<f32> {
  let one = vec4<f32>(1.0);
  let zero = vec4<f32>(0.0);
  switch OP {
    case 0u: { return x + y; }
    case 1u: { return x - y; }
    case 2u: { return x * y; }
    case 3u: { return x / y; }
    case 4u: { return max(x, y); }
    case 5u: { return min(x, y); }
    case 6u: { return vec4<f32>(powf(x.x, y.x), powf(x.y, y.y), powf(x.z, y.z), powf(x.w, y.w)); }
    case 7u: { return select(zero, one, x > y); }
    case 8u: { return select(zero, one, x >= y); }
    case 9u: { return select(zero, one, x < y); }
    case 10u: { return select(zero, one, x <= y); }
    case 11u: { return select(zero, one, x == y); }
    case 12u: { return select(zero, one, x != y); }
    default: { return x; }
  }
}


@compute @workgroup_size(256)
fn bin_general(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  var rem = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = 0u; d < p.rank; d++) {
    let sh = p.shape[d / 4u][d % 4u];
    let q = rem / sh;
    let c = rem - q * sh;
    rem = q;
    ia += c * p.s0[d / 4u][d % 4u];
    ib += c * p.s1[d / 4u][d % 4u];
  }
  out[i] = op(vec4<f32>(a[ia]), vec4<f32>(b[ib])).x;
}

fn elemA(j: u32) -> f32 { return a4[j >> 2u][j & 3u]; }
fn elemB(j: u32) -> f32 { return b4[j >> 2u][j & 3u]; }

fn loadA(i: u32) -> vec4<f32> {
  switch AM {
    case 0u: { return a4[i]; }
    case 1u: { return vec4<f32>(a4[0].x); }
    case 2u: { return a4[i % (p.c / 4u)]; }
    default: { return vec4<f32>(elemA(i * 4u / p.c)); }
  }
}
fn loadB(i: u32) -> vec4<f32> {
  switch BM {
    case 0u: { return b4[i]; }
    case 1u: { return vec4<f32>(b4[0].x); }
    case 2u: { return b4[i % (p.c / 4u)]; }
    default: { return vec4<f32>(elemB(i * 4u / p.c)); }
  }
}

@compute @workgroup_size(256)
fn bin_fast(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let e = i * 4u;
  if (e >= p.n) { return; }
  let r = op(loadA(i), loadB(i));
  if (e + 4u <= p.n) {
    out4[i] = r;
  } else {
    for (var j = 0u; e + j < p.n; j++) { out4[i][j] = r[j]; }
  }
}

@compute @workgroup_size(256)
fn where_general(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  var rem = i;
  var ic = 0u;
  var ia = 0u;
  var ib = 0u;
  for (var d = 0u; d < p.rank; d++) {
    let sh = p.shape[d / 4u][d % 4u];
    let q = rem / sh;
    let c = rem - q * sh;
    rem = q;
    ic += c * p.s0[d / 4u][d % 4u];
    ia += c * p.s1[d / 4u][d % 4u];
    ib += c * p.s2[d / 4u][d % 4u];
  }
  wout[i] = select(wb[ib], wa[ia], (wc[ic] & 0x7fffffffu) != 0u);
}
