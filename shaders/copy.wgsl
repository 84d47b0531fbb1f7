// Strided copy of 4-byte elements (bits, any dtype). Dims packed innermost first, rank <= 6; strides
// and offsets are signed.
//   copy_general: one element per invocation.
//   copy_contig:  both sides contiguous and 4-aligned offsets: vec4 per invocation (offsets in vec4s).
struct P {
  n: u32, rank: u32, xoff: i32, ooff: i32,
  shape: array<vec4<u32>, 2>,
  sx: array<vec4<i32>, 2>,
  so: array<vec4<i32>, 2>,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<storage, read> x4: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> out4: array<vec4<u32>>;

@compute @workgroup_size(256)
fn copy_general(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  var rem = i;
  var ix = p.xoff;
  var io = p.ooff;
  for (var d = 0u; d < p.rank; d++) {
    let sh = p.shape[d / 4u][d % 4u];
    let q = rem / sh;
    let c = i32(rem - q * sh);
    rem = q;
    ix += c * p.sx[d / 4u][d % 4u];
    io += c * p.so[d / 4u][d % 4u];
  }
  out[u32(io)] = x[u32(ix)];
}

@compute @workgroup_size(256)
fn copy_contig(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let e = i * 4u;
  if (e >= p.n) { return; }
  let v = x4[u32(p.xoff) + i];
  let o = u32(p.ooff) + i;
  if (e + 4u <= p.n) {
    out4[o] = v;
  } else {
    for (var j = 0u; e + j < p.n; j++) { out4[o][j] = v[j]; }
  }
}
