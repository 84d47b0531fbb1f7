// reduce: x viewed as [outer, r, inner] -> out [outer, chunks, inner]; chunk c covers
// j in [c * len, min(r, (c + 1) * len)). With chunks == 1 this is the whole reduction; the host runs a
// second pass over the chunks when it splits a long r for parallelism. OP: 0 sum, 1 max, 2 min.
//   reduce_chunk:  one output element per invocation (any inner).
//   reduce_chunk4: four consecutive inner elements per invocation (inner % 4 == 0).
//   reduce_wg:     inner == 1 and chunks == 1: one workgroup per row with a tree reduction in workgroup
//                  memory (for real GPUs; the software adapter avoids barriers and uses reduce_chunk).
struct P { outer: u32, r: u32, inner: u32, chunks: u32, len: u32, total: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out4: array<vec4<f32>>;

override OP: u32 = 0u;

fn comb(acc: vec4<f32>, v: vec4<f32>) -> vec4<f32> {
  switch OP {
    case 1u: { return max(acc, v); }
    case 2u: { return min(acc, v); }
    default: { return acc + v; }
  }
}

@compute @workgroup_size(256)
fn reduce_chunk(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.total) { return; }
  let i = t % p.inner;
  let rest = t / p.inner;
  let c = rest % p.chunks;
  let o = rest / p.chunks;
  let j0 = c * p.len;
  let j1 = min(p.r, j0 + p.len);
  var base = (o * p.r + j0) * p.inner + i;
  var acc = vec4<f32>(x[base]);
  for (var j = j0 + 1u; j < j1; j++) {
    base += p.inner;
    acc = comb(acc, vec4<f32>(x[base]));
  }
  out[(o * p.chunks + c) * p.inner + i] = acc.x;
}

@compute @workgroup_size(256)
fn reduce_chunk4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.total) { return; }
  let iv = p.inner / 4u;
  let i = t % iv;
  let rest = t / iv;
  let c = rest % p.chunks;
  let o = rest / p.chunks;
  let j0 = c * p.len;
  let j1 = min(p.r, j0 + p.len);
  var base = (o * p.r + j0) * iv + i;
  var acc = x4[base];
  for (var j = j0 + 1u; j < j1; j++) {
    base += iv;
    acc = comb(acc, x4[base]);
  }
  out4[(o * p.chunks + c) * iv + i] = acc;
}

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn reduce_wg(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
             @builtin(local_invocation_index) l: u32) {
  let o = wid.x + wid.y * nwg.x;
  let valid = o < p.outer;
  var acc = 0.0;
  if (valid) {
    let base = o * p.r;
    // lanes past r start from the identity: 0 for sum, an element already counted for max / min
    acc = select(select(x[base], 0.0, OP == 0u), x[base + l], l < p.r);
    for (var j = l + 256u; j < p.r; j += 256u) { acc = comb(vec4<f32>(acc), vec4<f32>(x[base + j])).x; }
  }
  red[l] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (l < s) { red[l] = comb(vec4<f32>(red[l]), vec4<f32>(red[l + s])).x; }
    workgroupBarrier();
  }
  if (valid && l == 0u) { out[o] = red[0]; }
}
