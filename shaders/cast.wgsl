// cast: out[i] = convert(x[i]); FROM / TO are override constants (0 f32, 1 i32, 2 u32).
// f32 -> i32/u32 truncates toward zero (saturating); i32 <-> u32 keeps the bits.
struct P { n: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<u32>>;

override FROM: u32 = 0u;
override TO: u32 = 0u;

fn conv(v: vec4<u32>) -> vec4<u32> {
  if (FROM == 0u && TO == 1u) { return bitcast<vec4<u32>>(vec4<i32>(bitcast<vec4<f32>>(v))); }
  if (FROM == 0u && TO == 2u) { return vec4<u32>(bitcast<vec4<f32>>(v)); }
  if (FROM == 1u && TO == 0u) { return bitcast<vec4<u32>>(vec4<f32>(bitcast<vec4<i32>>(v))); }
  if (FROM == 2u && TO == 0u) { return bitcast<vec4<u32>>(vec4<f32>(v)); }
  return v;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let e = i * 4u;
  if (e >= p.n) { return; }
  let r = conv(x[i]);
  if (e + 4u <= p.n) {
    out[i] = r;
  } else {
    for (var j = 0u; e + j < p.n; j++) { out[i][j] = r[j]; }
  }
}
