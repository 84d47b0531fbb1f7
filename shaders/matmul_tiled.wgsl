// Batched matmul with workgroup-memory tiles (the variant for real GPUs): a 16 x 16 workgroup computes a
// 64 x 64 block of out, each invocation a 4 x 4 sub-block, stepping K by 16 through workgroup memory.
// Same operand addressing as matmul.wgsl. Tile loads are coalesced along the operand's contiguous axis.
//   mm_tiled: vec4 stores (N % 4 == 0);  mm_tiled_s: scalar stores.
struct P { M: u32, N: u32, K: u32, aBS: u32, bBS: u32, aOff: u32, bOff: u32, oOff: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override TA: bool = false;
override TB: bool = false;

const BM = 64u;
const BN = 64u;
const BK = 16u;

var<workgroup> As: array<f32, 1024>; // [BK][BM]
var<workgroup> Bs: array<f32, 1024>; // [BK][BN]

fn ea(i: u32) -> f32 { return a[i >> 2u][i & 3u]; }
fn eb(i: u32) -> f32 { return b[i >> 2u][i & 3u]; }

fn tile(wid: vec3u, lid: vec3u) -> mat4x4<f32> {
  let l = lid.y * 16u + lid.x;
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let ao = p.aOff + wid.z * p.aBS;
  let bo = p.bOff + wid.z * p.bBS;
  var acc = mat4x4<f32>();
  for (var k0 = 0u; k0 < p.K; k0 += BK) {
    for (var t = 0u; t < 4u; t++) {
      let e = l + t * 256u;
      // A tile element (mm, kk); the fastest-varying index follows A's contiguous axis.
      var mm: u32; var kk: u32;
      if (TA) { mm = e % BM; kk = e / BM; } else { kk = e % BK; mm = e / BK; }
      let i = row0 + mm;
      let q = k0 + kk;
      var va = 0.0;
      if (i < p.M && q < p.K) { va = ea(select(ao + i * p.K + q, ao + q * p.M + i, TA)); }
      As[kk * BM + mm] = va;
      var nn: u32; var kb: u32;
      if (TB) { kb = e % BK; nn = e / BK; } else { nn = e % BN; kb = e / BN; }
      let j = col0 + nn;
      let qb = k0 + kb;
      var vb = 0.0;
      if (j < p.N && qb < p.K) { vb = eb(select(bo + qb * p.N + j, bo + j * p.K + qb, TB)); }
      Bs[kb * BN + nn] = vb;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      let ab = kk * BM + lid.y * 4u;
      let bb = kk * BN + lid.x * 4u;
      let av = vec4<f32>(As[ab], As[ab + 1u], As[ab + 2u], As[ab + 3u]);
      let bv = vec4<f32>(Bs[bb], Bs[bb + 1u], Bs[bb + 2u], Bs[bb + 3u]);
      acc[0] += av.x * bv;
      acc[1] += av.y * bv;
      acc[2] += av.z * bv;
      acc[3] += av.w * bv;
    }
    workgroupBarrier();
  }
  return acc;
}

@compute @workgroup_size(16, 16)
fn mm_tiled(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let acc = tile(wid, lid);
  let i0 = wid.y * BM + lid.y * 4u;
  let j0 = wid.x * BN + lid.x * 4u;
  if (i0 >= p.M || j0 >= p.N) { return; }
  let base = p.oOff + wid.z * p.M * p.N + i0 * p.N + j0;
  let rows = min(4u, p.M - i0);
  for (var r = 0u; r < rows; r++) { out4[(base + r * p.N) >> 2u] = acc[r]; }
}

@compute @workgroup_size(16, 16)
fn mm_tiled_s(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let acc = tile(wid, lid);
  let i0 = wid.y * BM + lid.y * 4u;
  let j0 = wid.x * BN + lid.x * 4u;
  if (i0 >= p.M || j0 >= p.N) { return; }
  let base = p.oOff + wid.z * p.M * p.N + i0 * p.N + j0;
  let rows = min(4u, p.M - i0);
  let cols = min(4u, p.N - j0);
  for (var r = 0u; r < rows; r++) {
    for (var c = 0u; c < cols; c++) { out[base + r * p.N + c] = acc[r][c]; }
  }
}
