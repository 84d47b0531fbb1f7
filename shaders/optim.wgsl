// Optimizer updates, in place (the updated buffers are bound read_write once).
//   sgd:   g = grad + wd param; v = mom v + g; d = nesterov ? g + mom v : v; param -= lr d
//   axpby: y = alpha x + beta y
// The float constants come from the per-dispatch scalar slot, so changing them never creates buffers.
struct P { n: u32, _a: u32, _b: u32, _c: u32 }
struct SgdS { lr: f32, momentum: f32, wd: f32, nesterov: f32 }
struct AxpbyS { alpha: f32, beta: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<uniform> sg: SgdS;
@group(0) @binding(1) var<uniform> sa: AxpbyS;
@group(0) @binding(2) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> grad: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> vel: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> ax: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> ay: array<vec4<f32>>;

@compute @workgroup_size(256)
fn sgd(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let e = i * 4u;
  if (e >= p.n) { return; }
  let w = param[i];
  let g = grad[i] + sg.wd * w;
  let v = sg.momentum * vel[i] + g;
  let d = select(v, g + sg.momentum * v, sg.nesterov != 0.0);
  let w2 = w - sg.lr * d;
  if (e + 4u <= p.n) {
    param[i] = w2;
    vel[i] = v;
  } else {
    for (var j = 0u; e + j < p.n; j++) { param[i][j] = w2[j]; vel[i][j] = v[j]; }
  }
}

@compute @workgroup_size(256)
fn axpby(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let e = i * 4u;
  if (e >= p.n) { return; }
  let r = sa.alpha * ax[i] + sa.beta * ay[i];
  if (e + 4u <= p.n) {
    ay[i] = r;
  } else {
    for (var j = 0u; e + j < p.n; j++) { ay[i][j] = r[j]; }
  }
}
