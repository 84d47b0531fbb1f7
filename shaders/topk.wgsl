// topk: one invocation per row keeps the k (<= 64) best of the row in a sorted private list
// (largest first; on ties the earlier column stays ahead, as it was inserted first).
struct P { rows: u32, cols: u32, k: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> vals: array<f32>;
@group(0) @binding(3) var<storage, read_write> inds: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * 64u;
  if (r >= p.rows) { return; }
  var bv: array<f32, 64>;
  var bi: array<i32, 64>;
  let k = p.k;
  let base = r * p.cols;
  var cnt = 0u;
  for (var c = 0u; c < p.cols; c++) {
    let v = x[base + c];
    if (cnt == k && !(v > bv[k - 1u])) { continue; }
    // insertion: shift smaller entries down; equal ones stay ahead (earlier column wins ties)
    var pos = min(cnt, k - 1u);
    while (pos > 0u && v > bv[pos - 1u]) {
      bv[pos] = bv[pos - 1u];
      bi[pos] = bi[pos - 1u];
      pos--;
    }
    bv[pos] = v;
    bi[pos] = i32(c);
    cnt = min(cnt + 1u, k);
  }
  for (var t = 0u; t < k; t++) {
    vals[r * k + t] = bv[t];
    inds[r * k + t] = bi[t];
  }
}
