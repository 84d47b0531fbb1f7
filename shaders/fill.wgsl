// fill: out[i] = bits for i < n. One invocation per vec4; the last, partial vec4 is written by components.
struct P { n: u32, _a: u32, _b: u32, _c: u32 }
struct S { bits: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<uniform> s: S;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<u32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let e = i * 4u;
  if (e >= p.n) { return; }
  if (e + 4u <= p.n) {
    out[i] = vec4<u32>(s.bits);
  } else {
    for (var j = 0u; e + j < p.n; j++) { out[i][j] = s.bits; }
  }
}
