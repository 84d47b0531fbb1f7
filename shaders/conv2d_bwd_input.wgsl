// conv2d gradient w.r.t. the input: dx [n, h, w, cin] = sum over (ky, kx, co of the group) of
// dy[b, oy, ox, co] * weight[co, ky, kx, ci - g cinG], where iy = oy sh - ph + ky (likewise x).
//   dxi_gemm:    4 input pixels x 4 input channels per invocation (cinG % 4 == 0, coutG % 4 == 0); weight
//                rows are vec4 over input channels, dy is vec4 over output channels.
//   dxi_dw:      depthwise with multiplier 1 (cin % 4 == 0), 4 channels x 4 pixels per invocation.
//   dxi_generic: one dx element per invocation.
struct P {
  n: u32, h: u32, w: u32, cin: u32, cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, cinG: u32, coutG: u32, oh: u32, ow: u32, m: u32,
  total: u32, chunks: u32, clen: u32, _a: u32, _b: u32, _c: u32, _d: u32, _e: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> wt: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dx4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

// Scalar views (run-time component indexing of a vec4 is slow on CPU Vulkan).
@group(0) @binding(1) var<storage, read> dys: array<f32>;
@group(0) @binding(2) var<storage, read> wts: array<f32>;

// Output coordinate that input coordinate i meets through kernel tap k, or -1.
fn outCoord(i: u32, k: u32, s: u32, pad: u32, lim: u32) -> i32 {
  let t = i32(i + pad) - i32(k);
  if (t < 0) { return -1; }
  let o = u32(t) / s;
  if (o * s != u32(t) || o >= lim) { return -1; }
  return i32(o);
}

@compute @workgroup_size(64)
fn dxi_gemm(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.total) { return; }
  let c4n = p.cin / 4u;
  let ci = (t % c4n) * 4u;
  let q0 = (t / c4n) * 4u;           // first of 4 input pixels (flattened over n, h, w)
  let npix = p.n * p.h * p.w;
  let g = ci / p.cinG;
  let cil = ci - g * p.cinG;
  let co0 = g * p.coutG;
  var pb: array<u32, 4>;
  var py: array<u32, 4>;
  var px: array<u32, 4>;
  for (var u = 0u; u < 4u; u++) {
    let q = min(q0 + u, npix - 1u);
    let b = q / (p.h * p.w);
    let r = q - b * p.h * p.w;
    pb[u] = b;
    py[u] = r / p.w;
    px[u] = r - py[u] * p.w;
  }
  let wstride = p.kh * p.kw * p.cinG;
  var acc = mat4x4<f32>();
  for (var ky = 0u; ky < p.kh; ky++) {
    for (var kx = 0u; kx < p.kw; kx++) {
      var dyo = vec4<i32>(-1);
      var hit = false;
      for (var u = 0u; u < 4u; u++) {
        let oy = outCoord(py[u], ky, p.sh, p.ph, p.oh);
        let ox = outCoord(px[u], kx, p.sw, p.pw, p.ow);
        if (oy >= 0 && ox >= 0) {
          dyo[u] = i32(((pb[u] * p.oh + u32(oy)) * p.ow + u32(ox)) * p.cout + co0);
          hit = true;
        }
      }
      if (!hit) { continue; }
      var wo = ((co0 * p.kh + ky) * p.kw + kx) * p.cinG + cil;
      for (var co = 0u; co < p.coutG; co += 4u) {
        let wm = mat4x4<f32>(wt[wo >> 2u], wt[(wo + wstride) >> 2u], wt[(wo + 2u * wstride) >> 2u], wt[(wo + 3u * wstride) >> 2u]);
        let z = vec4<f32>(0.0);
        let dm = mat4x4<f32>(
          select(z, dy[(u32(dyo.x) + co) >> 2u], dyo.x >= 0),
          select(z, dy[(u32(dyo.y) + co) >> 2u], dyo.y >= 0),
          select(z, dy[(u32(dyo.z) + co) >> 2u], dyo.z >= 0),
          select(z, dy[(u32(dyo.w) + co) >> 2u], dyo.w >= 0));
        acc += wm * dm;
        wo += 4u * wstride;
      }
    }
  }
  let cnt = min(4u, npix - q0);
  for (var u = 0u; u < cnt; u++) { dx4[((q0 + u) * p.cin + ci) >> 2u] = acc[u]; }
}

// Depthwise: 4 channels x 4 neighbouring input pixels of one row per invocation (weights reused).
@compute @workgroup_size(64)
fn dxi_dw(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.total) { return; }
  let c4n = p.cin / 4u;
  let c = (t % c4n) * 4u;
  let rest = t / c4n;
  let ixg = (p.w + 3u) / 4u;
  let ix0 = (rest % ixg) * 4u;
  let row = rest / ixg;            // b * h + iy
  let iy = row % p.h;
  let b = row / p.h;
  let khw = p.kh * p.kw;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let z = vec4<f32>(0.0);
  let ixs = vec4<i32>(vec4<u32>(ix0, ix0 + 1u, ix0 + 2u, ix0 + 3u) + vec4<u32>(p.pw));
  for (var ky = 0u; ky < p.kh; ky++) {
    let oy = outCoord(iy, ky, p.sh, p.ph, p.oh);
    if (oy < 0) { continue; }
    let rowBase = (b * p.oh + u32(oy)) * p.ow;
    for (var kx = 0u; kx < p.kw; kx++) {
      let wi = c * khw + ky * p.kw + kx;
      let wv = vec4<f32>(wts[wi], wts[wi + khw], wts[wi + 2u * khw], wts[wi + 3u * khw]);
      let tx = ixs - vec4<i32>(i32(kx));
      let txu = vec4<u32>(max(tx, vec4<i32>(0)));
      let ox = txu / vec4<u32>(p.sw);
      let ok = (tx >= vec4<i32>(0)) & (ox * vec4<u32>(p.sw) == txu) & (ox < vec4<u32>(p.ow));
      let oc = min(ox, vec4<u32>(p.ow - 1u));
      acc0 += select(z, dy[(rowBase + oc.x) * c4n + c / 4u], ok.x) * wv;
      acc1 += select(z, dy[(rowBase + oc.y) * c4n + c / 4u], ok.y) * wv;
      acc2 += select(z, dy[(rowBase + oc.z) * c4n + c / 4u], ok.z) * wv;
      acc3 += select(z, dy[(rowBase + oc.w) * c4n + c / 4u], ok.w) * wv;
    }
  }
  let ob = (row * p.w + ix0) * c4n + c / 4u;
  let cnt = min(4u, p.w - ix0);
  dx4[ob] = acc0;
  if (cnt > 1u) { dx4[ob + c4n] = acc1; }
  if (cnt > 2u) { dx4[ob + 2u * c4n] = acc2; }
  if (cnt > 3u) { dx4[ob + 3u * c4n] = acc3; }
}

@compute @workgroup_size(64)
fn dxi_generic(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.total) { return; }
  let ci = t % p.cin;
  let q = t / p.cin;
  let b = q / (p.h * p.w);
  let r = q - b * p.h * p.w;
  let iy = r / p.w;
  let ix = r - iy * p.w;
  let g = ci / p.cinG;
  let cil = ci - g * p.cinG;
  var acc = 0.0;
  for (var ky = 0u; ky < p.kh; ky++) {
    let oy = outCoord(iy, ky, p.sh, p.ph, p.oh);
    if (oy < 0) { continue; }
    for (var kx = 0u; kx < p.kw; kx++) {
      let ox = outCoord(ix, kx, p.sw, p.pw, p.ow);
      if (ox < 0) { continue; }
      let dyo = ((b * p.oh + u32(oy)) * p.ow + u32(ox)) * p.cout;
      for (var co = g * p.coutG; co < (g + 1u) * p.coutG; co++) {
        acc += dys[dyo + co] * wts[((co * p.kh + ky) * p.kw + kx) * p.cinG + cil];
      }
    }
  }
  dx[t] = acc;
}
