// Row-wise log-softmax with an online max / sum of exp (one read for the statistics, one to write).
//   lsm_row: one invocation per row (software adapters, or short rows).
//   lsm_wg:  one 256-wide workgroup per row, statistics merged in workgroup memory (real GPUs).
struct P { rows: u32, cols: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn ninf() -> f32 { var bits = 0xff800000u; return bitcast<f32>(bits); }

// Merges (m1, s1) and (m2, s2), where s = sum of exp(x - m).
fn merge(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let m = max(a.x, b.x);
  if (m == ninf()) { return vec2<f32>(m, 0.0); }
  return vec2<f32>(m, a.y * exp(a.x - m) + b.y * exp(b.x - m));
}

@compute @workgroup_size(64)
fn lsm_row(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * 64u;
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var m = x[base];
  var s = 1.0;
  for (var c = 1u; c < p.cols; c++) {
    let v = x[base + c];
    if (v > m) { s = s * exp(m - v) + 1.0; m = v; } else { s += exp(v - m); }
  }
  let lse = m + log(s);
  for (var c = 0u; c < p.cols; c++) { out[base + c] = x[base + c] - lse; }
}

var<workgroup> stats: array<vec2<f32>, 256>;

@compute @workgroup_size(256)
fn lsm_wg(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
          @builtin(local_invocation_index) l: u32) {
  let r = wid.x + wid.y * nwg.x;
  let valid = r < p.rows;
  var st = vec2<f32>(ninf(), 0.0);
  let base = r * p.cols;
  if (valid) {
    for (var c = l; c < p.cols; c += 256u) { st = merge(st, vec2<f32>(x[base + c], 1.0)); }
  }
  stats[l] = st;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (l < s) { stats[l] = merge(stats[l], stats[l + s]); }
    workgroupBarrier();
  }
  let tot = stats[0];
  let lse = tot.x + log(tot.y);
  if (valid) {
    for (var c = l; c < p.cols; c += 256u) { out[base + c] = x[base + c] - lse; }
  }
}
