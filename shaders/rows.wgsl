// Row gathers and scatters (bits copied where the contract allows any dtype; adds are f32).
//   gather / gather4:          out[r, c] = table[idx[r], c], 0 when idx is out of range; one element
//                              (or vec4 when cols % 4 == 0) per invocation.
//   scatter / scatter4:        out[idx[r], :] (+)= src[r, :] with ADD; one invocation per column (vec4)
//                              loops over r in order: deterministic, duplicates add up / last wins.
//   take_along:                out[r, t] = x[r, idx[r, t]], 0 out of range.
//   put_along_add:             one invocation per row, t in order: out[r, idx[r, t]] += src[r, t].
struct P { rows: u32, cols: u32, limit: u32, k: u32, total: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<storage, read> src4: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> out4: array<vec4<u32>>;

override ADD: bool = false;

@compute @workgroup_size(256)
fn gather(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.total) { return; }
  let r = t / p.cols;
  let c = t - r * p.cols;
  let j = idx[r];
  var v = 0u;
  if (j >= 0 && u32(j) < p.limit) { v = src[u32(j) * p.cols + c]; }
  out[t] = v;
}

@compute @workgroup_size(256)
fn gather4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.total) { return; }
  let cv = p.cols / 4u;
  let r = t / cv;
  let c = t - r * cv;
  let j = idx[r];
  var v = vec4<u32>(0u);
  if (j >= 0 && u32(j) < p.limit) { v = src4[u32(j) * cv + c]; }
  out4[t] = v;
}

@compute @workgroup_size(64)
fn scatter(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = gid.x + gid.y * nwg.x * 64u;
  if (c >= p.cols) { return; }
  for (var r = 0u; r < p.rows; r++) {
    let j = idx[r];
    if (j < 0 || u32(j) >= p.limit) { continue; }
    let o = u32(j) * p.cols + c;
    let v = src[r * p.cols + c];
    if (ADD) { out[o] = bitcast<u32>(bitcast<f32>(out[o]) + bitcast<f32>(v)); } else { out[o] = v; }
  }
}

@compute @workgroup_size(64)
fn scatter4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let cv = p.cols / 4u;
  let c = gid.x + gid.y * nwg.x * 64u;
  if (c >= cv) { return; }
  for (var r = 0u; r < p.rows; r++) {
    let j = idx[r];
    if (j < 0 || u32(j) >= p.limit) { continue; }
    let o = u32(j) * cv + c;
    let v = src4[r * cv + c];
    if (ADD) { out4[o] = bitcast<vec4<u32>>(bitcast<vec4<f32>>(out4[o]) + bitcast<vec4<f32>>(v)); } else { out4[o] = v; }
  }
}

@compute @workgroup_size(256)
fn take_along(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.total) { return; }
  let r = t / p.k;
  let j = idx[t];
  var v = 0u;
  if (j >= 0 && u32(j) < p.cols) { v = src[r * p.cols + u32(j)]; }
  out[t] = v;
}

@compute @workgroup_size(64)
fn put_along_add(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * 64u;
  if (r >= p.rows) { return; }
  for (var t = 0u; t < p.k; t++) {
    let j = idx[r * p.k + t];
    if (j < 0 || u32(j) >= p.cols) { continue; }
    let o = r * p.cols + u32(j);
    out[o] = bitcast<u32>(bitcast<f32>(out[o]) + bitcast<f32>(src[r * p.k + t]));
  }
}
