// Procedural face-like images: deterministic per (identity, sample), nothing stored, any resolution.
// Identity fixes geometry and colours (face oval, eyes, brows, nose, mouth, hair, skin, ears, marks);
// each sample adds nuisance (pose, scale, shift, light, expression, background, blur, noise,
// occlusion) scaled by `difficulty`. Shapes are analytic signed-distance fields painted with
// anti-aliased coverage into a float buffer. Browser-safe.
import { Rng } from '../../engine/random';
import type { RGBImage } from './image';

export interface SynthOptions {
  /** Seed of the whole identity space (default 1). */
  seed?: number;
  /** 0 = canonical views only; 0.5 = default; 1 = hard. Scales every nuisance. */
  difficulty?: number;
}

/** Identities at or above this are the held-out space used for verification pairs. */
export const HELD_OUT_BASE = 1_000_000_000;

type RGB = [number, number, number];

/** murmur3-style mixing of several integers into one 32-bit seed. */
export function hashSeed(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x0 of xs) {
    const lo = x0 >>> 0, hi = Math.floor(x0 / 4294967296) >>> 0;
    for (const x of [lo, hi]) {
      h ^= x; h = Math.imul(h ^ (h >>> 16), 0x85ebca6b); h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35); h ^= h >>> 16;
      h = (h + 0x6d2b79f5) >>> 0;
    }
  }
  return h >>> 0 || 1;
}

/** Everything an identity fixes. Coordinates are in the canonical face frame ([-1, 1]², y down). */
export interface FaceIdentity {
  skin: RGB; hair: RGB; iris: RGB; lips: RGB; brow: RGB;
  faceW: number; faceH: number; faceCy: number; chin: number; cheek: number;
  eyeY: number; eyeSep: number; eyeRx: number; eyeRy: number; eyeTilt: number; irisR: number;
  browGap: number; browThick: number; browAngle: number; browArch: number; browLen: number;
  noseY: number; noseW: number; noseLen: number;
  mouthY: number; mouthW: number; lipThick: number; mouthCurve: number;
  hairStyle: number; hairline: number; hairDip: number; hairVolume: number; parting: number;
  earY: number; earSize: number;
  beard: number; moustache: number; glasses: boolean; glassesColor: RGB;
  marks: Array<[number, number, number]>; blush: number;
}

function lerp(a: number, b: number, t: number): number { return a + (b - a) * t; }
function mix(a: RGB, b: RGB, t: number): RGB { return [lerp(a[0], b[0], t), lerp(a[1], b[1], t), lerp(a[2], b[2], t)]; }
function clamp01(x: number): number { return x < 0 ? 0 : x > 1 ? 1 : x; }
function pick<T>(r: Rng, xs: T[]): T { return xs[r.int(xs.length)]; }

const SKINS: RGB[] = [[0.98, 0.84, 0.74], [0.92, 0.72, 0.58], [0.80, 0.58, 0.42], [0.62, 0.42, 0.28], [0.42, 0.27, 0.18], [0.30, 0.19, 0.13]];
const HAIRS: RGB[] = [[0.06, 0.05, 0.05], [0.18, 0.11, 0.07], [0.35, 0.22, 0.12], [0.62, 0.45, 0.25], [0.85, 0.72, 0.45], [0.55, 0.22, 0.10], [0.62, 0.62, 0.62], [0.9, 0.9, 0.88]];
const IRISES: RGB[] = [[0.25, 0.15, 0.08], [0.40, 0.26, 0.12], [0.25, 0.40, 0.60], [0.30, 0.45, 0.30], [0.12, 0.10, 0.08], [0.45, 0.45, 0.50]];

/** The identity's parameters, drawn from its own seed. */
export function faceIdentity(id: number, seed = 1): FaceIdentity {
  const r = new Rng(hashSeed(seed, 0x1d, id));
  const u = (a: number, b: number) => lerp(a, b, r.next());
  const st = r.next() * (SKINS.length - 1), si = Math.floor(st);
  const skin0 = mix(SKINS[si], SKINS[si + 1], st - si);
  const skin: RGB = [clamp01(skin0[0] * u(0.95, 1.05)), clamp01(skin0[1] * u(0.95, 1.05)), clamp01(skin0[2] * u(0.92, 1.08))];
  const hairBase = pick(r, HAIRS);
  const hair: RGB = [clamp01(hairBase[0] * u(0.8, 1.2)), clamp01(hairBase[1] * u(0.8, 1.2)), clamp01(hairBase[2] * u(0.8, 1.2))];
  const lips = mix(skin, [0.75, 0.25, 0.28], u(0.25, 0.6));
  const brow = mix(hair, [0.05, 0.04, 0.04], u(0.2, 0.6));
  const eyeRx = u(0.085, 0.125);
  const nMarks = r.int(4);
  const marks: Array<[number, number, number]> = [];
  for (let k = 0; k < nMarks; k++) marks.push([u(-0.5, 0.5), u(-0.3, 0.75), u(0.012, 0.028)]);
  const hairStyle = r.next() < 0.12 ? 0 : r.next() < 0.55 ? 1 : 2;
  return {
    skin, hair, lips, brow, iris: pick(r, IRISES),
    faceW: u(0.6, 0.8), faceH: u(0.9, 1.08), faceCy: u(0.06, 0.16), chin: u(0, 0.35), cheek: u(0, 0.25),
    eyeY: u(-0.17, -0.03), eyeSep: u(0.24, 0.36), eyeRx, eyeRy: eyeRx * u(0.38, 0.6), eyeTilt: u(-0.15, 0.15), irisR: u(0.42, 0.62),
    browGap: u(0.08, 0.16), browThick: u(0.018, 0.05), browAngle: u(-0.25, 0.2), browArch: u(0, 0.05), browLen: u(0.8, 1.35),
    noseY: u(0.18, 0.34), noseW: u(0.07, 0.15), noseLen: u(0.22, 0.38),
    mouthY: u(0.5, 0.68), mouthW: u(0.15, 0.3), lipThick: u(0.02, 0.05), mouthCurve: u(-0.03, 0.04),
    hairStyle, hairline: hairStyle === 0 ? u(-0.95, -0.75) : u(-0.72, -0.45), hairDip: u(0, 0.5), hairVolume: u(1.02, 1.16), parting: u(-0.4, 0.4),
    earY: u(-0.05, 0.15), earSize: u(0.11, 0.17),
    beard: r.next() < 0.18 ? u(0.35, 0.9) : 0, moustache: r.next() < 0.18 ? u(0.4, 0.9) : 0,
    glasses: r.next() < 0.12, glassesColor: pick(r, [[0.05, 0.05, 0.05], [0.4, 0.25, 0.1], [0.6, 0.6, 0.65]] as RGB[]),
    marks, blush: u(0, 0.25),
  };
}

// ---- signed distances (negative inside) ----
function hyp(x: number, y: number): number { return Math.sqrt(x * x + y * y); }
function sdEllipse(x: number, y: number, rx: number, ry: number): number {
  const k0 = hyp(x / rx, y / ry);
  const k1 = hyp(x / (rx * rx), y / (ry * ry));
  return k1 < 1e-12 ? -Math.min(rx, ry) : (k0 * (k0 - 1)) / k1;
}
function sdSegment(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const px = x - ax, py = y - ay, dx = bx - ax, dy = by - ay;
  const h = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy || 1)));
  return hyp(px - dx * h, py - dy * h);
}

type Sdf = (u: number, v: number) => number;
type Box = [number, number, number, number];

/** A float canvas with the per-image face transform (canonical → pixels). */
class Canvas {
  readonly buf: Float32Array; readonly mask: Float32Array;
  private readonly cu: Float32Array; private readonly cv: Float32Array;
  readonly pw: number;
  constructor(readonly S: number, private readonly s: number, private readonly rot: number, private readonly tx: number, private readonly ty: number) {
    this.buf = new Float32Array(S * S * 3); this.mask = new Float32Array(S * S);
    this.cu = new Float32Array(S * S); this.cv = new Float32Array(S * S);
    const c = Math.cos(-rot), sn = Math.sin(-rot);
    for (let py = 0; py < S; py++) for (let px = 0; px < S; px++) {
      const X = ((px + 0.5) / S) * 2 - 1 - tx, Y = ((py + 0.5) / S) * 2 - 1 - ty;
      this.cu[py * S + px] = (c * X - sn * Y) / s; this.cv[py * S + px] = (sn * X + c * Y) / s;
    }
    this.pw = 2 / S / s;
  }
  u(i: number): number { return this.cu[i]; }
  v(i: number): number { return this.cv[i]; }
  /** Pixel rectangle covering a canonical box. */
  private pixBox(b: Box): [number, number, number, number] {
    const c = Math.cos(this.rot), sn = Math.sin(this.rot);
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const [u, v] of [[b[0], b[1]], [b[2], b[1]], [b[0], b[3]], [b[2], b[3]]]) {
      const X = this.s * (c * u - sn * v) + this.tx, Y = this.s * (sn * u + c * v) + this.ty;
      const px = ((X + 1) / 2) * this.S, py = ((Y + 1) / 2) * this.S;
      x0 = Math.min(x0, px); x1 = Math.max(x1, px); y0 = Math.min(y0, py); y1 = Math.max(y1, py);
    }
    const S = this.S;
    return [Math.max(0, Math.floor(x0) - 2), Math.max(0, Math.floor(y0) - 2), Math.min(S, Math.ceil(x1) + 2), Math.min(S, Math.ceil(y1) + 2)];
  }
  /** Paints colour `col` where sdf < 0, anti-aliased, with opacity `alpha`; `toMask` records face coverage. */
  paint(box: Box, sdf: Sdf, col: RGB, alpha = 1, toMask = false): void {
    const [x0, y0, x1, y1] = this.pixBox(box);
    const S = this.S, pw = this.pw;
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) {
      const i = py * S + px;
      const d = sdf(this.cu[i], this.cv[i]);
      if (d > pw) continue;
      const a = clamp01(0.5 - d / pw) * alpha;
      if (a <= 0) continue;
      const o = i * 3;
      this.buf[o] += (col[0] - this.buf[o]) * a;
      this.buf[o + 1] += (col[1] - this.buf[o + 1]) * a;
      this.buf[o + 2] += (col[2] - this.buf[o + 2]) * a;
      if (toMask) this.mask[i] += (1 - this.mask[i]) * a;
    }
  }
}

function gaussianBlur(buf: Float32Array, S: number, sigma: number): void {
  const r = Math.max(1, Math.ceil(sigma * 2.5));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) { k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma)); sum += k[i + r]; }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const tmp = new Float32Array(buf.length);
  for (let pass = 0; pass < 2; pass++) {
    const src = pass === 0 ? buf : tmp, dst = pass === 0 ? tmp : buf;
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      let r0 = 0, g0 = 0, b0 = 0;
      for (let j = -r; j <= r; j++) {
        let xx = pass === 0 ? x + j : x, yy = pass === 0 ? y : y + j;
        xx = xx < 0 ? 0 : xx >= S ? S - 1 : xx; yy = yy < 0 ? 0 : yy >= S ? S - 1 : yy;
        const o = (yy * S + xx) * 3, w = k[j + r];
        r0 += src[o] * w; g0 += src[o + 1] * w; b0 += src[o + 2] * w;
      }
      const o = (y * S + x) * 3;
      dst[o] = r0; dst[o + 1] = g0; dst[o + 2] = b0;
    }
  }
}

/**
 * Renders sample `sample` of identity `id` at size × size. Deterministic in (id, sample, size,
 * seed, difficulty).
 */
export function renderFace(id: number, sample: number, size = 112, opts: SynthOptions = {}): RGBImage {
  const seed = opts.seed ?? 1;
  const k = 2 * Math.max(0, Math.min(1, opts.difficulty ?? 0.5)); // nuisance scale: 1 at the default
  const f = faceIdentity(id, seed);
  const r = new Rng(hashSeed(seed, 0x5a, id, sample));
  const u = (a: number, b: number) => lerp(a, b, r.next());
  const n = () => r.normal();
  const chance = (p: number) => r.next() < p;

  // ---- per-image nuisance ----
  const roll = 0.09 * k * n(), yaw = 0.22 * k * n(), pitch = 0.12 * k * n();
  const scale = Math.exp(0.06 * k * n()), tx = 0.045 * k * n(), ty = 0.045 * k * n();
  const smile = clamp01(0.3 + 0.35 * k * n()), mouthOpen = chance(0.25 * k) ? u(0.01, 0.06) : 0;
  const browRaise = 0.025 * k * n(), eyeOpen = chance(0.06 * k) ? u(0.1, 0.4) : clamp01(1 - Math.abs(0.15 * k * n()));
  const gazeX = 0.25 * k * n(), gazeY = 0.12 * k * n();
  const lightAng = u(0, 2 * Math.PI), lightStr = Math.min(0.85, Math.abs(0.35 * k * n())), ambient = Math.exp(0.16 * k * n());
  const gains: RGB = [Math.exp(0.06 * k * n()), Math.exp(0.05 * k * n()), Math.exp(0.07 * k * n())];
  const contrast = Math.exp(0.12 * k * n());
  const bgMix = Math.min(1, 0.25 + 0.6 * k);
  const bgA = mix([0.55, 0.55, 0.55], [u(0.05, 0.95), u(0.05, 0.95), u(0.05, 0.95)], bgMix);
  const bgB = mix([0.55, 0.55, 0.55], [u(0.05, 0.95), u(0.05, 0.95), u(0.05, 0.95)], bgMix);
  const bgDir = u(0, 2 * Math.PI);
  const cloth: RGB = [u(0.05, 0.9), u(0.05, 0.9), u(0.05, 0.9)];
  const hairJit = 0.03 * k * n();
  const blur = Math.abs(0.55 * k * n()) * (size / 112);
  const noise = k * u(0.008, 0.035);
  const occl = chance(0.14 * k) ? r.int(4) : -1;

  const cv = new Canvas(size, 0.98 * scale, roll, tx, ty + 0.02);
  const S = size, buf = cv.buf;
  // yaw/pitch: parts shift by their depth
  const sx = (z: number) => Math.sin(yaw) * z, sy = (z: number) => Math.sin(pitch) * z;
  const squash = Math.cos(yaw);

  // background: a linear gradient between two colours
  const bdx = Math.cos(bgDir), bdy = Math.sin(bgDir);
  for (let i = 0; i < S * S; i++) {
    const t = clamp01(0.5 + 0.5 * (cv.u(i) * bdx + cv.v(i) * bdy));
    buf[3 * i] = bgA[0] + (bgB[0] - bgA[0]) * t; buf[3 * i + 1] = bgA[1] + (bgB[1] - bgA[1]) * t; buf[3 * i + 2] = bgA[2] + (bgB[2] - bgA[2]) * t;
  }

  const fcx = sx(-0.04), fcy = f.faceCy + sy(-0.02), fw = f.faceW * (0.92 + 0.08 * squash), fh = f.faceH;
  // neck and clothes
  cv.paint([-0.5 + fcx, 0.5, 0.5 + fcx, 1.6], (a, b) => Math.max(Math.abs(a - fcx * 0.5) - fw * 0.55, fcy + fh * 0.5 - b), mix(f.skin, [0, 0, 0], 0.25));
  cv.paint([-1.6, 0.9, 1.6, 2.6], (a, b) => sdEllipse(a - fcx * 0.3, b - (fcy + fh + 0.55), 1.3, 0.6), cloth);
  // hair behind the head
  const hx = fcx * 0.6, hy = fcy - 0.08;
  if (f.hairStyle === 2) cv.paint([-1.3, -1.4, 1.3, 1.4], (a, b) => {
    const top = sdEllipse(a - hx, b - hy, fw * f.hairVolume * 1.12, fh * f.hairVolume * 1.02);
    return Math.max(top, b - (fcy + fh * (0.55 + 0.2 * f.hairDip)));
  }, f.hair);
  else if (f.hairStyle === 1) cv.paint([-1.3, -1.4, 1.3, 1.0], (a, b) => Math.max(sdEllipse(a - hx, b - hy, fw * f.hairVolume, fh * f.hairVolume * 0.98), b - (fcy + 0.05)), f.hair);
  // ears
  for (const side of [-1, 1]) {
    const ex = fcx + side * fw * 0.98 * (side * yaw > 0 ? 0.93 : 1), ey = f.earY;
    cv.paint([ex - 0.2, ey - 0.25, ex + 0.2, ey + 0.25], (a, b) => sdEllipse(a - ex, b - ey, f.earSize * 0.55, f.earSize), mix(f.skin, [0.6, 0.3, 0.3], 0.12), 1, true);
  }
  // face oval: narrower towards the chin
  const faceSdf: Sdf = (a, b) => {
    const y = b - fcy;
    const w = fw * (y > 0 ? 1 - f.chin * (y / fh) ** 2 : 1 - f.cheek * 0.25 * (y / fh) ** 2);
    return sdEllipse(a - fcx, y, w, fh);
  };
  cv.paint([fcx - fw - 0.1, fcy - fh - 0.1, fcx + fw + 0.1, fcy + fh + 0.1], faceSdf, f.skin, 1, true);
  // cheeks, marks, beard
  for (const side of [-1, 1]) {
    const cx = fcx + sx(0.1) + side * fw * 0.55, cy = f.noseY + 0.1;
    if (f.blush > 0.05) cv.paint([cx - 0.2, cy - 0.2, cx + 0.2, cy + 0.2], (a, b) => sdEllipse(a - cx, b - cy, 0.14, 0.09), [0.85, 0.35, 0.35], f.blush * 0.5);
  }
  for (const [mx, my, mr] of f.marks) {
    const x = mx * fw + sx(0.1) + fcx, y = my + fcy * 0.3;
    cv.paint([x - mr - 0.02, y - mr - 0.02, x + mr + 0.02, y + mr + 0.02], (a, b) => hyp(a - x, b - y) - mr, mix(f.skin, [0.2, 0.1, 0.05], 0.6));
  }
  const mY = f.mouthY + sy(0.12), mX = sx(0.16) + fcx * 0.3;
  if (f.beard > 0) cv.paint([fcx - fw, mY - 0.2, fcx + fw, fcy + fh + 0.1],
    (a, b) => Math.max(faceSdf(a, b), (mY - 0.06 - 0.35 * (a - mX) ** 2) - b, -(Math.abs(a - mX) > 0 ? 0 : 0) - 0), f.hair, f.beard * 0.85);
  // eyes
  const eY = f.eyeY + sy(0.1) + browRaise * 0.2;
  for (const side of [-1, 1]) {
    const far = side * yaw > 0 ? 0.85 : 1;
    const ex = fcx * 0.2 + sx(0.12) + side * f.eyeSep * squash, ey = eY;
    const rx = f.eyeRx * far, ry = Math.max(0.004, f.eyeRy * eyeOpen);
    const tilt = side * f.eyeTilt, ct = Math.cos(tilt), st = Math.sin(tilt);
    const loc = (a: number, b: number): [number, number] => { const x = a - ex, y = b - ey; return [ct * x + st * y * side, -st * x * side + ct * y]; };
    const box: Box = [ex - rx - 0.05, ey - f.eyeRy - 0.06, ex + rx + 0.05, ey + f.eyeRy + 0.06];
    // socket shadow, sclera, iris, pupil, lid line
    cv.paint(box, (a, b) => { const [x, y] = loc(a, b); return sdEllipse(x, y + 0.01, rx * 1.25, f.eyeRy * 1.5 + 0.01); }, mix(f.skin, [0.3, 0.2, 0.2], 0.22));
    const sclera: Sdf = (a, b) => { const [x, y] = loc(a, b); return sdEllipse(x, y, rx, ry); };
    cv.paint(box, sclera, [0.93, 0.92, 0.9]);
    const ir = f.eyeRy * f.irisR * 2.2, ix = ex + gazeX * rx * 0.4, iy = ey + gazeY * f.eyeRy * 0.5;
    cv.paint(box, (a, b) => Math.max(hyp(a - ix, b - iy) - ir, sclera(a, b)), f.iris);
    cv.paint(box, (a, b) => Math.max(hyp(a - ix, b - iy) - ir * 0.45, sclera(a, b)), [0.03, 0.03, 0.03]);
    cv.paint(box, (a, b) => { const [x, y] = loc(a, b); return Math.abs(sdEllipse(x, y, rx, ry)) - 0.006 - (y < 0 ? 0.006 : 0); }, [0.1, 0.07, 0.06]);
    // brows
    const by = ey - f.eyeRy - f.browGap - browRaise, bl = f.eyeRx * f.browLen;
    const p0: [number, number] = [ex - side * bl * 0.95, by + side * 0 + f.browAngle * 0.5 * bl];
    const p1: [number, number] = [ex + side * 0.05 * bl, by - f.browArch];
    const p2: [number, number] = [ex + side * bl * 1.05, by + f.browArch * 0.2 - f.browAngle * 0.3 * bl + 0.02];
    const bt = f.browThick;
    cv.paint([ex - bl * 1.2 - bt, by - 0.12, ex + bl * 1.2 + bt, by + 0.12],
      (a, b) => Math.min(sdSegment(a, b, p0[0], p0[1], p1[0], p1[1]), sdSegment(a, b, p1[0], p1[1], p2[0], p2[1])) - bt * (0.6 + 0.4 * (1 - Math.abs(a - p1[0]) / (bl * 1.2))), f.brow, 0.95);
  }
  // nose: bridge shade, tip, nostrils
  const nX = fcx * 0.2 + sx(0.3), nY = f.noseY + sy(0.25), top = nY - f.noseLen;
  const shadeSide = Math.cos(lightAng) > 0 ? -1 : 1;
  cv.paint([nX - 0.2, top - 0.05, nX + 0.2, nY + 0.1], (a, b) => sdSegment(a, b, nX + shadeSide * f.noseW * 0.35 - sx(0.2), top, nX + shadeSide * f.noseW * 0.55, nY - 0.03) - 0.018, mix(f.skin, [0.2, 0.1, 0.05], 0.3), 0.6);
  cv.paint([nX - 0.25, nY - 0.12, nX + 0.25, nY + 0.1], (a, b) => sdEllipse(a - nX, b - nY + 0.015, f.noseW, 0.055), mix(f.skin, [0.45, 0.25, 0.2], 0.18));
  for (const side of [-1, 1]) {
    const x = nX + side * f.noseW * 0.5;
    cv.paint([x - 0.08, nY - 0.06, x + 0.08, nY + 0.06], (a, b) => sdEllipse(a - x, b - nY - 0.01, f.noseW * 0.28, 0.018), mix(f.skin, [0.05, 0.02, 0.02], 0.65));
  }
  // mouth: an open dark gap, the two lips along a curve, moustache
  const mw = f.mouthW * (1 + 0.15 * smile) * (0.9 + 0.1 * squash), curve = f.mouthCurve + 0.07 * smile;
  const lipY = (a: number) => mY + curve * (1 - ((a - mX) / mw) ** 2) - curve * 0.5;
  const mouthBox: Box = [mX - mw - 0.06, mY - 0.14, mX + mw + 0.06, mY + 0.16];
  if (mouthOpen > 0) cv.paint(mouthBox, (a, b) => sdEllipse(a - mX, b - lipY(a) - mouthOpen * 0.5, mw * 0.8, mouthOpen), [0.25, 0.06, 0.06]);
  const lip = (off: number, th: number): Sdf => (a, b) => {
    const t = (a - mX) / mw;
    if (Math.abs(t) > 1) return hyp(Math.abs(a - mX) - mw, b - lipY(mX + Math.sign(t) * mw)) - th * 0.3;
    return Math.abs(b - (lipY(a) + off)) - th * (1 - 0.7 * t * t);
  };
  cv.paint(mouthBox, lip(-f.lipThick * 0.6, f.lipThick * 0.6), mix(f.lips, [0, 0, 0], 0.12));
  cv.paint(mouthBox, lip(f.lipThick * 0.75 + mouthOpen, f.lipThick * 0.75), f.lips);
  cv.paint(mouthBox, (a, b) => { const t = (a - mX) / mw; return Math.abs(t) > 1 ? 1 : Math.abs(b - lipY(a) - mouthOpen * 0.5) - 0.005; }, [0.2, 0.08, 0.08], 0.8);
  if (f.moustache > 0) cv.paint([mX - mw - 0.1, mY - 0.2, mX + mw + 0.1, mY], (a, b) =>
    Math.max(sdEllipse(a - mX, b - (lipY(a) - f.lipThick - 0.045), mw * 1.05, 0.04), -0.0), f.hair, f.moustache);
  // hair in front: a cap above the hairline inside the head outline
  if (f.hairStyle > 0 || f.hairline > -0.8) {
    const hl = f.hairline + hairJit, px = f.parting * fw * 0.5 + fcx;
    cv.paint([fcx - fw * 1.3, fcy - fh * 1.3, fcx + fw * 1.3, fcy + 0.4], (a, b) => {
      const head = sdEllipse(a - hx, b - hy, fw * f.hairVolume * 1.005, fh * f.hairVolume * 0.99);
      const line = hl + f.hairDip * 0.6 * ((a - px) / fw) ** 2 + (f.hairStyle === 0 ? 0 : 0.12 * Math.max(0, Math.abs(a - fcx) - fw * 0.72) * 6);
      return Math.max(head, (b - line) * 0.8);
    }, f.hair);
  }
  // glasses
  if (f.glasses || occl === 1) {
    const dark = occl === 1;
    for (const side of [-1, 1]) {
      const ex = fcx * 0.2 + sx(0.14) + side * f.eyeSep * squash, gr = f.eyeRx * 1.55;
      cv.paint([ex - gr - 0.05, eY - gr - 0.05, ex + gr + 0.05, eY + gr + 0.05], (a, b) => {
        const d = sdEllipse(a - ex, b - eY - 0.01, gr, gr * 0.78);
        return dark ? d : Math.abs(d) - 0.01;
      }, dark ? [0.04, 0.04, 0.05] : f.glassesColor, dark ? 0.92 : 1);
    }
    const ex = f.eyeSep * squash - f.eyeRx * 1.55, c0 = fcx * 0.2 + sx(0.14);
    cv.paint([c0 - ex - 0.02, eY - 0.1, c0 + ex + 0.02, eY + 0.02], (a, b) => sdSegment(a, b, c0 - ex, eY - 0.04, c0 + ex, eY - 0.04) - 0.01, dark ? [0.04, 0.04, 0.05] : f.glassesColor);
  }

  // lighting: Lambert on the face's ellipsoid, on what lies over the face mask
  const lx = Math.cos(lightAng) * 0.8, ly = Math.sin(lightAng) * 0.8, lz = 0.6;
  const amb = 0.55 + 0.45 * (1 - lightStr);
  for (let i = 0; i < S * S; i++) {
    const m = cv.mask[i];
    const x = (cv.u(i) - fcx) / fw, y = (cv.v(i) - fcy) / fh;
    const rr = Math.min(1, x * x + y * y), nz = Math.sqrt(1 - rr);
    const lam = Math.max(0, x * lx + y * ly + nz * lz);
    const face = amb * (1 - lightStr) + lightStr * 1.25 * lam + (1 - lightStr) * (1 - amb) * 0.5;
    const shade = ambient * (1 + (face - 1) * (0.4 + 0.6 * m));
    const o = 3 * i;
    buf[o] *= shade * gains[0]; buf[o + 1] *= shade * gains[1]; buf[o + 2] *= shade * gains[2];
  }
  // occlusions: a bar, (sunglasses above), a hand-like blob, a scarf
  if (occl === 0) {
    const a0 = u(-0.9, 0.9), b0 = u(-0.6, 0.9), ang = u(0, Math.PI), len = u(0.3, 0.8), th = u(0.05, 0.15);
    const c: RGB = [u(0, 1), u(0, 1), u(0, 1)];
    const ax = a0 - Math.cos(ang) * len, ay = b0 - Math.sin(ang) * len, bx = a0 + Math.cos(ang) * len, by2 = b0 + Math.sin(ang) * len;
    cv.paint([-2, -2, 2, 2], (a, b) => sdSegment(a, b, ax, ay, bx, by2) - th, c);
  } else if (occl === 2) {
    const cx = u(-0.9, 0.9), cy = u(0, 1.0), rad = u(0.2, 0.4);
    cv.paint([-2, -2, 2, 2], (a, b) => sdEllipse(a - cx, b - cy, rad, rad * 1.4), mix(f.skin, [u(0.3, 1), u(0.2, 0.8), u(0.2, 0.7)], 0.5));
  } else if (occl === 3) {
    const c: RGB = [u(0, 1), u(0, 1), u(0, 1)];
    cv.paint([-2, mY - 0.4, 2, 2], (a, b) => Math.max(sdEllipse(a - mX, b - mY - 0.3, fw * 1.15, 0.7), (mY - 0.18 + 0.1 * ((a - mX) / fw) ** 2) - b), c);
  }
  if (blur > 0.3) gaussianBlur(buf, S, blur);
  const out = new Uint8Array(S * S * 3);
  let ns = r.getState() ^ 0x2545f491; // an inline xorshift for pixel noise (Box–Muller per pixel is slow)
  const nscale = noise * Math.sqrt(6) / 4294967296;
  for (let i = 0; i < S * S * 3; i++) {
    ns ^= ns << 13; ns ^= ns >>> 17; ns ^= ns << 5;
    const a = ns >>> 0;
    ns ^= ns << 13; ns ^= ns >>> 17; ns ^= ns << 5;
    const tri = a + (ns >>> 0) - 4294967295; // triangular, variance 1/6 of 2^64
    const v = (buf[i] - 0.5) * contrast + 0.5 + nscale * tri;
    out[i] = Math.max(0, Math.min(255, Math.round(v * 255)));
  }
  return { width: S, height: S, data: out };
}
