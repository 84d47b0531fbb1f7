// Batched matmul, register-tiled without workgroup memory or barriers (the variant for software
// adapters, where barriers are very slow; also correct anywhere). Each invocation computes a 4 x 4
// block of out[b] = A_b (M x K) . B_b (K x N): rows i0..i0+3, cols j0..j0+3, batch gid.z.
// A element (i, q) sits at aOff + b aBS + (TA ? q M + i : i K + q); B element (q, j) at
// bOff + b bBS + (TB ? j K + q : q N + j); out[b] starts at oOff + b M N (offsets let the host split K).
// VA / VB: the 4 x 4 blocks are loaded as vec4s (the host sets them only when aligned:
//   VA: TA ? M % 4 == 0 : K % 4 == 0, and aBS % 4 == 0;  VB: TB ? K % 4 == 0 : N % 4 == 0, and bBS % 4 == 0).
// Otherwise scalar loads with clamped rows / columns. The K tail (K % 4) always takes the guarded path.
// Blocks are mat4x4 whose column r is row r of the block, so one k-step is acc += Bblk * Ablk.
//   mm:   vec4 stores (N % 4 == 0);  mm_s: scalar stores.
struct P { M: u32, N: u32, K: u32, aBS: u32, bBS: u32, aOff: u32, bOff: u32, oOff: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override TA: bool = false;
override TB: bool = false;
override VA: bool = false;
override VB: bool = false;
override WGX: u32 = 8u;
override WGY: u32 = 8u;

fn ea(i: u32) -> f32 { return a[i >> 2u][i & 3u]; }
fn eb(i: u32) -> f32 { return b[i >> 2u][i & 3u]; }
fn idxA(ao: u32, i: u32, q: u32) -> u32 { if (TA) { return ao + q * p.M + i; } return ao + i * p.K + q; }
fn idxB(bo: u32, q: u32, j: u32) -> u32 { if (TB) { return bo + j * p.K + q; } return bo + q * p.N + j; }

// Column r: A[i0 + r, q0 .. q0 + 3].
fn blockA(ao: u32, i0: u32, q0: u32, vec: bool) -> mat4x4<f32> {
  let last = p.M - 1u;
  if (vec && VA) {
    if (TA) {
      let m = p.M;
      let base = ao + q0 * m + i0;
      return transpose(mat4x4<f32>(a[base >> 2u], a[(base + m) >> 2u], a[(base + 2u * m) >> 2u], a[(base + 3u * m) >> 2u]));
    }
    let k = p.K;
    let base = ao + q0;
    return mat4x4<f32>(a[(base + i0 * k) >> 2u], a[(base + min(i0 + 1u, last) * k) >> 2u],
                       a[(base + min(i0 + 2u, last) * k) >> 2u], a[(base + min(i0 + 3u, last) * k) >> 2u]);
  }
  var blk: mat4x4<f32>;
  for (var r = 0u; r < 4u; r++) {
    let i = min(i0 + r, last);
    for (var q = 0u; q < 4u; q++) {
      blk[r][q] = select(0.0, ea(idxA(ao, i, q0 + q)), q0 + q < p.K);
    }
  }
  return blk;
}

// Column q: B[q0 + q, j0 .. j0 + 3].
fn blockB(bo: u32, j0: u32, q0: u32, vec: bool) -> mat4x4<f32> {
  let last = p.N - 1u;
  if (vec && VB) {
    if (TB) {
      let k = p.K;
      let base = bo + q0;
      return transpose(mat4x4<f32>(b[(base + j0 * k) >> 2u], b[(base + min(j0 + 1u, last) * k) >> 2u],
                                   b[(base + min(j0 + 2u, last) * k) >> 2u], b[(base + min(j0 + 3u, last) * k) >> 2u]));
    }
    let n = p.N;
    let base = bo + q0 * n + j0;
    return mat4x4<f32>(b[base >> 2u], b[(base + n) >> 2u], b[(base + 2u * n) >> 2u], b[(base + 3u * n) >> 2u]);
  }
  var blk: mat4x4<f32>;
  for (var q = 0u; q < 4u; q++) {
    for (var c = 0u; c < 4u; c++) {
      blk[q][c] = select(0.0, eb(idxB(bo, q0 + q, min(j0 + c, last))), q0 + q < p.K);
    }
  }
  return blk;
}

fn tile(bt: u32, i0: u32, j0: u32) -> mat4x4<f32> {
  let ao = p.aOff + bt * p.aBS;
  let bo = p.bOff + bt * p.bBS;
  let k4 = p.K & ~3u;
  var acc = mat4x4<f32>();
  for (var q0 = 0u; q0 < k4; q0 += 4u) {
    acc += blockB(bo, j0, q0, true) * blockA(ao, i0, q0, true);
  }
  if (k4 < p.K) {
    acc += blockB(bo, j0, k4, false) * blockA(ao, i0, k4, false);
  }
  return acc;
}

@compute @workgroup_size(WGX, WGY)
fn mm(@builtin(global_invocation_id) gid: vec3u) {
  let j0 = gid.x * 4u;
  let i0 = gid.y * 4u;
  if (i0 >= p.M || j0 >= p.N) { return; }
  let acc = tile(gid.z, i0, j0);
  let base = p.oOff + gid.z * p.M * p.N + i0 * p.N + j0;
  let rows = min(4u, p.M - i0);
  for (var r = 0u; r < rows; r++) { out4[(base + r * p.N) >> 2u] = acc[r]; }
}

@compute @workgroup_size(WGX, WGY)
fn mm_s(@builtin(global_invocation_id) gid: vec3u) {
  let j0 = gid.x * 4u;
  let i0 = gid.y * 4u;
  if (i0 >= p.M || j0 >= p.N) { return; }
  let acc = tile(gid.z, i0, j0);
  let base = p.oOff + gid.z * p.M * p.N + i0 * p.N + j0;
  let rows = min(4u, p.M - i0);
  let cols = min(4u, p.N - j0);
  for (var r = 0u; r < rows; r++) {
    for (var c = 0u; c < cols; c++) { out[base + r * p.N + c] = acc[r][c]; }
  }
}
