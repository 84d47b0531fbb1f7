// unary: out[i] = op(x[i]); OP is an override constant (index into UNARY_OPS), a and b come from the
// per-dispatch scalar slot. vec4 per invocation, the last partial vec4 by components.
struct P { n: u32, _a: u32, _b: u32, _c: u32 }
struct S { a: f32, b: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<uniform> s: S;
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;

override OP: u32 = 0u;

fn inf() -> f32 { var bits = 0x7f800000u; return bitcast<f32>(bits); }

fn powc(v: vec4<f32>, a: f32) -> vec4<f32> {
  // v >= 0 by contract; pow(0, a) is 1 for a == 0, 0 for a > 0, inf for a < 0.
  let z = select(select(0.0, inf(), a < 0.0), 1.0, a == 0.0);
  return select(pow(max(v, vec4<f32>(1e-38)), vec4<f32>(a)), vec4<f32>(z), v == vec4<f32>(0.0));
}

// acos to ~1e-7 (the built-in is only ~1e-4 accurate on some drivers): for |x| <= 1,
// acos(|x|) = sqrt(1 - |x|) * poly(|x|) (Abramowitz & Stegun 4.4.46), acos(-x) = pi - acos(x).
fn acosPoly(v: vec4<f32>) -> vec4<f32> {
  let x = abs(v);
  var q = vec4<f32>(-0.0012624911);
  q = q * x + 0.0066700901;
  q = q * x - 0.0170881256;
  q = q * x + 0.0308918810;
  q = q * x - 0.0501743046;
  q = q * x + 0.0889789874;
  q = q * x - 0.2145988016;
  q = q * x + 1.5707963050;
  let r = sqrt(max(vec4<f32>(1.0) - x, vec4<f32>(0.0))) * q;
  return select(r, vec4<f32>(3.14159265358979) - r, v < vec4<f32>(0.0));
}

fn f(v: vec4<f32>) -> vec4<f32> {
  let zero = vec4<f32>(0.0);
  let one = vec4<f32>(1.0);
  switch OP {
    case 0u: { return -v; }
    case 1u: { return exp(v); }
    case 2u: { return log(v); }
    case 3u: { return sqrt(v); }
    case 4u: { return inverseSqrt(v); }
    case 5u: { return abs(v); }
    case 6u: { return sign(v); }
    case 7u: { return max(v, zero); }
    case 8u: { return v * v; }
    case 9u: { return one / v; }
    case 10u: { return sin(v); }
    case 11u: { return cos(v); }
    case 12u: { return acosPoly(v); }
    case 13u: {
      // tanh without overflow: sign(x) (1 - e) / (1 + e), e = exp(-2|x|)
      let e = exp(-2.0 * abs(v));
      return sign(v) * (one - e) / (one + e);
    }
    case 14u: {
      let e = exp(-abs(v));
      return select(e / (one + e), one / (one + e), v >= zero);
    }
    case 15u: { return select(zero, one, v > zero); }
    case 16u: { return min(max(v, vec4<f32>(s.a)), vec4<f32>(s.b)); }
    case 17u: { return s.a * v + vec4<f32>(s.b); }
    case 18u: { return powc(v, s.a); }
    default: { return v; }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let e = i * 4u;
  if (e >= p.n) { return; }
  let r = f(x[i]);
  if (e + 4u <= p.n) {
    out[i] = r;
  } else {
    for (var j = 0u; e + j < p.n; j++) { out[i][j] = r[j]; }
  }
}
