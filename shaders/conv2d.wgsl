// conv2d forward, direct: out [n, oh, ow, cout] = x [n, h, w, cin] * weight [cout, kh, kw, cin / groups].
//   conv_gemm:    implicit GEMM, each invocation 4 output pixels (flattened index m) x 4 output channels
//                 of one group (needs coutG % 4 == 0, cinG % 4 == 0): x and weight as vec4 over input
//                 channels, dot products.
//   conv_gemm_s:  the same tiles one input channel at a time (coutG % 4 == 0, any cinG).
//   conv_dw:      depthwise with multiplier 1 (groups == cin == cout, cin % 4 == 0): 4 channels x 4 pixels.
//   conv_generic: anything else, one output element per invocation.
struct P {
  n: u32, h: u32, w: u32, cin: u32, cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, cinG: u32, coutG: u32, oh: u32, ow: u32, m: u32,
  total: u32, chunks: u32, clen: u32, _a: u32, _b: u32, _c: u32, _d: u32, _e: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> wt: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> wts: array<f32>;


// (Scalar access goes through the scalar views xs / wts: indexing a component of a vec4 with a
// run-time index is slow on CPU Vulkan. An entry point uses either the vec4 or the scalar view.)

struct Tile { co: u32, m0: u32, cb: u32 }

fn gemmTile(t: u32) -> Tile {
  let c4n = p.cout / 4u;
  let co = (t % c4n) * 4u;
  return Tile(co, (t / c4n) * 4u, (co / p.coutG) * p.cinG);
}

// Where the 4 pixels of a tile start in the input: (b, iy0, ix0) per pixel, computed once per invocation
// (integer division is slow on CPU SIMD).
struct Origins { b: vec4<u32>, iy: vec4<i32>, ix: vec4<i32> }

fn origins(m0: u32) -> Origins {
  let hw = p.oh * p.ow;
  var o: Origins;
  for (var u = 0u; u < 4u; u++) {
    let m = min(m0 + u, p.m - 1u);
    let b = m / hw;
    let r = m - b * hw;
    let oy = r / p.ow;
    let ox = r - oy * p.ow;
    o.b[u] = b;
    o.iy[u] = i32(oy * p.sh) - i32(p.ph);
    o.ix[u] = i32(ox * p.sw) - i32(p.pw);
  }
  return o;
}

// Input offsets (pixel * cin + group base) of the 4 pixels at tap (ky, kx); -1 when in the padding.
fn tapOffsets(o: Origins, cb: u32, ky: u32, kx: u32) -> vec4<i32> {
  let iy = o.iy + vec4<i32>(i32(ky));
  let ix = o.ix + vec4<i32>(i32(kx));
  let ok = (iy >= vec4<i32>(0)) & (iy < vec4<i32>(i32(p.h))) & (ix >= vec4<i32>(0)) & (ix < vec4<i32>(i32(p.w)));
  let off = ((o.b * p.h + vec4<u32>(max(iy, vec4<i32>(0)))) * p.w + vec4<u32>(max(ix, vec4<i32>(0)))) * p.cin + cb;
  return select(vec4<i32>(-1), vec4<i32>(off), ok);
}

@compute @workgroup_size(64)
fn conv_gemm(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.total) { return; }
  let tl = gemmTile(t);
  let co = tl.co;
  let m0 = tl.m0;
  let wstride = p.kh * p.kw * p.cinG;
  let org = origins(m0);
  var acc = mat4x4<f32>();
  for (var ky = 0u; ky < p.kh; ky++) {
    for (var kx = 0u; kx < p.kw; kx++) {
      let xo = tapOffsets(org, tl.cb, ky, kx);
      let wo = (co * p.kh + ky) * p.kw * p.cinG + kx * p.cinG;
      for (var ci = 0u; ci < p.cinG; ci += 4u) {
        let wm = mat4x4<f32>(wt[(wo + ci) >> 2u], wt[(wo + wstride + ci) >> 2u],
                             wt[(wo + 2u * wstride + ci) >> 2u], wt[(wo + 3u * wstride + ci) >> 2u]);
        let z = vec4<f32>(0.0);
        let xm = mat4x4<f32>(
          select(z, x[(u32(xo.x) + ci) >> 2u], xo.x >= 0),
          select(z, x[(u32(xo.y) + ci) >> 2u], xo.y >= 0),
          select(z, x[(u32(xo.z) + ci) >> 2u], xo.z >= 0),
          select(z, x[(u32(xo.w) + ci) >> 2u], xo.w >= 0));
        acc += transpose(wm) * xm;
      }
    }
  }
  let cnt = min(4u, p.m - m0);
  for (var u = 0u; u < cnt; u++) { out4[((m0 + u) * p.cout + co) >> 2u] = acc[u]; }
}

// Same tiles, one input channel at a time (cinG % 4 != 0, e.g. the RGB stem).
@compute @workgroup_size(64)
fn conv_gemm_s(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.total) { return; }
  let tl = gemmTile(t);
  let co = tl.co;
  let m0 = tl.m0;
  let wstride = p.kh * p.kw * p.cinG;
  let org = origins(m0);
  var acc = mat4x4<f32>();
  for (var ky = 0u; ky < p.kh; ky++) {
    for (var kx = 0u; kx < p.kw; kx++) {
      let xo = tapOffsets(org, tl.cb, ky, kx);
      let xc = vec4<u32>(max(xo, vec4<i32>(0)));
      let ok = xo >= vec4<i32>(0);
      let wo = (co * p.kh + ky) * p.kw * p.cinG + kx * p.cinG;
      for (var ci = 0u; ci < p.cinG; ci++) {
        let wv = vec4<f32>(wts[wo + ci], wts[wo + wstride + ci], wts[wo + 2u * wstride + ci], wts[wo + 3u * wstride + ci]);
        let xv = select(vec4<f32>(0.0), vec4<f32>(xs[xc.x + ci], xs[xc.y + ci], xs[xc.z + ci], xs[xc.w + ci]), ok);
        acc[0] += xv.x * wv;
        acc[1] += xv.y * wv;
        acc[2] += xv.z * wv;
        acc[3] += xv.w * wv;
      }
    }
  }
  let cnt = min(4u, p.m - m0);
  for (var u = 0u; u < cnt; u++) { out4[((m0 + u) * p.cout + co) >> 2u] = acc[u]; }
}

// Depthwise: each invocation 4 channels x 4 neighbouring output pixels of one row, so each weight
// vec4 (4 strided scalar loads) serves 4 pixels.
@compute @workgroup_size(64)
fn conv_dw(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.total) { return; }
  let c4n = p.cout / 4u;
  let c = (t % c4n) * 4u;
  let rest = t / c4n;
  let oxg = (p.ow + 3u) / 4u;
  let ox0 = (rest % oxg) * 4u;
  let row = rest / oxg;            // b * oh + oy
  let oy = row % p.oh;
  let b = row / p.oh;
  let iy0 = i32(oy * p.sh) - i32(p.ph);
  let khw = p.kh * p.kw;
  let cv = p.cin / 4u;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let ixs = vec4<i32>(vec4<u32>(ox0, ox0 + 1u, ox0 + 2u, ox0 + 3u) * p.sw) - vec4<i32>(i32(p.pw));
  for (var ky = 0u; ky < p.kh; ky++) {
    let iy = iy0 + i32(ky);
    if (iy < 0 || iy >= i32(p.h)) { continue; }
    let rowBase = (b * p.h + u32(iy)) * p.w;
    for (var kx = 0u; kx < p.kw; kx++) {
      let wi = c * khw + ky * p.kw + kx;
      let wv = vec4<f32>(wts[wi], wts[wi + khw], wts[wi + 2u * khw], wts[wi + 3u * khw]);
      let ix = ixs + vec4<i32>(i32(kx));
      let ok = (ix >= vec4<i32>(0)) & (ix < vec4<i32>(i32(p.w)));
      let xi = vec4<u32>(clamp(ix, vec4<i32>(0), vec4<i32>(i32(p.w) - 1)));
      let z = vec4<f32>(0.0);
      acc0 += select(z, x[(rowBase + xi.x) * cv + c / 4u], ok.x) * wv;
      acc1 += select(z, x[(rowBase + xi.y) * cv + c / 4u], ok.y) * wv;
      acc2 += select(z, x[(rowBase + xi.z) * cv + c / 4u], ok.z) * wv;
      acc3 += select(z, x[(rowBase + xi.w) * cv + c / 4u], ok.w) * wv;
    }
  }
  let ob = (row * p.ow + ox0) * c4n + c / 4u;
  let cnt = min(4u, p.ow - ox0);
  out4[ob] = acc0;
  if (cnt > 1u) { out4[ob + c4n] = acc1; }
  if (cnt > 2u) { out4[ob + 2u * c4n] = acc2; }
  if (cnt > 3u) { out4[ob + 3u * c4n] = acc3; }
}

@compute @workgroup_size(64)
fn conv_generic(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.total) { return; }
  let co = t % p.cout;
  let m = t / p.cout;
  let hw = p.oh * p.ow;
  let b = m / hw;
  let r = m - b * hw;
  let oy = r / p.ow;
  let ox = r - oy * p.ow;
  let cb = (co / p.coutG) * p.cinG;
  var acc = 0.0;
  for (var ky = 0u; ky < p.kh; ky++) {
    let iy = i32(oy * p.sh + ky) - i32(p.ph);
    if (iy < 0 || iy >= i32(p.h)) { continue; }
    for (var kx = 0u; kx < p.kw; kx++) {
      let ix = i32(ox * p.sw + kx) - i32(p.pw);
      if (ix < 0 || ix >= i32(p.w)) { continue; }
      let xo = ((b * p.h + u32(iy)) * p.w + u32(ix)) * p.cin + cb;
      let wo = ((co * p.kh + ky) * p.kw + kx) * p.cinG;
      for (var ci = 0u; ci < p.cinG; ci++) { acc += xs[xo + ci] * wts[wo + ci]; }
    }
  }
  out[t] = acc;
}
