// conv2d gradient w.r.t. the weight: dw [cout, kh, kw, cinG] = sum over output pixels m = (b, oy, ox) of
// dy[m, co] * x[b, oy sh - ph + ky, ox sw - pw + kx, g cinG + ci]. The pixel range is split in
// `chunks` pieces of `clen` pixels; each writes partial sums to out [chunks, cout, kh, kw, cinG] and the
// host reduces the chunks afterwards (when chunks > 1).
//   dwf_gemm:    4 output channels x 4 input channels per invocation (cinG % 4 == 0, coutG % 4 == 0).
//   dwf_co4:     4 output channels (vec4 dy) x 4 input channels (scalar x) per invocation (coutG % 4 == 0,
//                any cinG, e.g. the RGB stem).
//   dwf_dw:      depthwise with multiplier 1 (cin % 4 == 0), 4 channels per invocation.
//   dwf_generic: one weight element per invocation.
struct P {
  n: u32, h: u32, w: u32, cin: u32, cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, cinG: u32, coutG: u32, oh: u32, ow: u32, m: u32,
  total: u32, chunks: u32, clen: u32, _a: u32, _b: u32, _c: u32, _d: u32, _e: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// Scalar views (run-time component indexing of a vec4 is slow on CPU Vulkan).
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> dys: array<f32>;

@compute @workgroup_size(64)
fn dwf_gemm(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.total) { return; }
  // t = (((chunk * cout/4 + co4) * kh + ky) * kw + kx) * cinG/4 + ci4
  let ci4n = p.cinG / 4u;
  let ci = (t % ci4n) * 4u;
  var rest = t / ci4n;
  let kx = rest % p.kw; rest /= p.kw;
  let ky = rest % p.kh; rest /= p.kh;
  let co4n = p.cout / 4u;
  let co = (rest % co4n) * 4u;
  let chunk = rest / co4n;
  let cb = (co / p.coutG) * p.cinG + ci;
  let m0 = chunk * p.clen;
  let m1 = min(p.m, m0 + p.clen);
  let hw = p.oh * p.ow;
  var b = m0 / hw;
  var oy = (m0 - b * hw) / p.ow;
  var ox = m0 - b * hw - oy * p.ow;
  var acc = mat4x4<f32>();
  for (var m = m0; m < m1; m++) {
    let iy = i32(oy * p.sh + ky) - i32(p.ph);
    let ix = i32(ox * p.sw + kx) - i32(p.pw);
    if (iy >= 0 && iy < i32(p.h) && ix >= 0 && ix < i32(p.w)) {
      let xv = x[(((b * p.h + u32(iy)) * p.w + u32(ix)) * p.cin + cb) >> 2u];
      let dv = dy[(m * p.cout + co) >> 2u];
      acc[0] += dv.x * xv;
      acc[1] += dv.y * xv;
      acc[2] += dv.z * xv;
      acc[3] += dv.w * xv;
    }
    ox++;
    if (ox == p.ow) { ox = 0u; oy++; if (oy == p.oh) { oy = 0u; b++; } }
  }
  let wstride = p.kh * p.kw * p.cinG;
  let o = ((chunk * p.cout + co) * p.kh + ky) * p.kw * p.cinG + kx * p.cinG + ci;
  for (var c = 0u; c < 4u; c++) { out4[(o + c * wstride) >> 2u] = acc[c]; }
}

@compute @workgroup_size(64)
fn dwf_co4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.total) { return; }
  // t = (((chunk * cout/4 + co4) * kh + ky) * kw + kx) * ceil(cinG/4) + ci4
  let ci4n = (p.cinG + 3u) / 4u;
  let ci = (t % ci4n) * 4u;
  var rest = t / ci4n;
  let kx = rest % p.kw; rest /= p.kw;
  let ky = rest % p.kh; rest /= p.kh;
  let co4n = p.cout / 4u;
  let co = (rest % co4n) * 4u;
  let chunk = rest / co4n;
  let cb = (co / p.coutG) * p.cinG + ci;
  let nci = min(4u, p.cinG - ci);
  let m0 = chunk * p.clen;
  let m1 = min(p.m, m0 + p.clen);
  let hw = p.oh * p.ow;
  var b = m0 / hw;
  var oy = (m0 - b * hw) / p.ow;
  var ox = m0 - b * hw - oy * p.ow;
  var acc = mat4x4<f32>();   // column j: input channel ci + j, over 4 output channels
  for (var m = m0; m < m1; m++) {
    let iy = i32(oy * p.sh + ky) - i32(p.ph);
    let ix = i32(ox * p.sw + kx) - i32(p.pw);
    if (iy >= 0 && iy < i32(p.h) && ix >= 0 && ix < i32(p.w)) {
      let xo = ((b * p.h + u32(iy)) * p.w + u32(ix)) * p.cin + cb;
      let dv = dy[(m * p.cout + co) >> 2u];
      acc[0] += xs[xo] * dv;
      acc[1] += xs[xo + min(1u, nci - 1u)] * dv;
      acc[2] += xs[xo + min(2u, nci - 1u)] * dv;
      acc[3] += xs[xo + min(3u, nci - 1u)] * dv;
    }
    ox++;
    if (ox == p.ow) { ox = 0u; oy++; if (oy == p.oh) { oy = 0u; b++; } }
  }
  let wstride = p.kh * p.kw * p.cinG;
  let o = ((chunk * p.cout + co) * p.kh + ky) * p.kw * p.cinG + kx * p.cinG + ci;
  for (var j = 0u; j < nci; j++) {
    out[o + j] = acc[j].x;
    out[o + wstride + j] = acc[j].y;
    out[o + 2u * wstride + j] = acc[j].z;
    out[o + 3u * wstride + j] = acc[j].w;
  }
}

@compute @workgroup_size(64)
fn dwf_dw(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.total) { return; }
  // t = ((chunk * kh + ky) * kw + kx) * cin/4 + c4
  let c4n = p.cin / 4u;
  let c = (t % c4n) * 4u;
  var rest = t / c4n;
  let kx = rest % p.kw; rest /= p.kw;
  let ky = rest % p.kh;
  let chunk = rest / p.kh;
  let m0 = chunk * p.clen;
  let m1 = min(p.m, m0 + p.clen);
  let hw = p.oh * p.ow;
  var b = m0 / hw;
  var oy = (m0 - b * hw) / p.ow;
  var ox = m0 - b * hw - oy * p.ow;
  var acc = vec4<f32>(0.0);
  for (var m = m0; m < m1; m++) {
    let iy = i32(oy * p.sh + ky) - i32(p.ph);
    let ix = i32(ox * p.sw + kx) - i32(p.pw);
    if (iy >= 0 && iy < i32(p.h) && ix >= 0 && ix < i32(p.w)) {
      acc += dy[(m * p.cout + c) >> 2u] * x[(((b * p.h + u32(iy)) * p.w + u32(ix)) * p.cin + c) >> 2u];
    }
    ox++;
    if (ox == p.ow) { ox = 0u; oy++; if (oy == p.oh) { oy = 0u; b++; } }
  }
  let khw = p.kh * p.kw;
  let o = (chunk * p.cout + c) * khw + ky * p.kw + kx;
  for (var j = 0u; j < 4u; j++) { out[o + j * khw] = acc[j]; }
}

@compute @workgroup_size(64)
fn dwf_generic(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.total) { return; }
  // t = chunk * (cout kh kw cinG) + weight index
  let wsize = p.cout * p.kh * p.kw * p.cinG;
  let chunk = t / wsize;
  let wi = t - chunk * wsize;
  let ci = wi % p.cinG;
  var rest = wi / p.cinG;
  let kx = rest % p.kw; rest /= p.kw;
  let ky = rest % p.kh;
  let co = rest / p.kh;
  let cb = (co / p.coutG) * p.cinG + ci;
  let m0 = chunk * p.clen;
  let m1 = min(p.m, m0 + p.clen);
  let hw = p.oh * p.ow;
  var b = m0 / hw;
  var oy = (m0 - b * hw) / p.ow;
  var ox = m0 - b * hw - oy * p.ow;
  var acc = 0.0;
  for (var m = m0; m < m1; m++) {
    let iy = i32(oy * p.sh + ky) - i32(p.ph);
    let ix = i32(ox * p.sw + kx) - i32(p.pw);
    if (iy >= 0 && iy < i32(p.h) && ix >= 0 && ix < i32(p.w)) {
      acc += dys[m * p.cout + co] * xs[((b * p.h + u32(iy)) * p.w + u32(ix)) * p.cin + cb];
    }
    ox++;
    if (ox == p.ow) { ox = 0u; oy++; if (oy == p.oh) { oy = 0u; b++; } }
  }
  out[t] = acc;
}
