// Image decoding (JPEG, PNG), resizing and PNG encoding on host memory. Browser-safe: jpeg-js and
// fast-png are pure JavaScript and import no Node modules.
import jpegjs from 'jpeg-js';
import { decode as decodePngRaw, encode as encodePngRaw, convertIndexedToRgb } from 'fast-png';

/** An 8-bit RGB image, pixels interleaved row by row (r, g, b, r, g, b, …). */
export interface RGBImage { width: number; height: number; data: Uint8Array }

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isJpeg(b: Uint8Array): boolean { return b.length >= 2 && b[0] === 0xff && b[1] === 0xd8; }
export function isPng(b: Uint8Array): boolean { return b.length >= 8 && PNG_SIG.every((v, i) => b[i] === v); }

/** The error every decoder failure becomes: it names the file (or record) and what is wrong. */
export class ImageDecodeError extends Error {
  constructor(readonly source: string, readonly problem: string) {
    super(`${source}: cannot decode image: ${problem}`);
    this.name = 'ImageDecodeError';
  }
}

/**
 * Decodes a JPEG or PNG into 8-bit RGB. `source` names the file or record in error messages.
 * Grey, grey+alpha, RGBA, palette and 16-bit PNGs are converted (alpha is dropped).
 */
export function decodeImage(bytes: Uint8Array, source = 'image'): RGBImage {
  if (bytes.length === 0) throw new ImageDecodeError(source, 'empty file');
  if (isJpeg(bytes)) return decodeJpeg(bytes, source);
  if (isPng(bytes)) return decodePng(bytes, source);
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new ImageDecodeError(source, `not a JPEG or PNG (first bytes ${head})`);
}

function decodeJpeg(bytes: Uint8Array, source: string): RGBImage {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpegjs.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: true, maxMemoryUsageInMB: 1024 });
  } catch (e) {
    throw new ImageDecodeError(source, `corrupt JPEG (${(e as Error).message})`);
  }
  if (!img.width || !img.height) throw new ImageDecodeError(source, 'corrupt JPEG (no frame)');
  if (!hasJpegEnd(bytes)) throw new ImageDecodeError(source, `truncated JPEG (${bytes.length} bytes, no end-of-image marker)`);
  return { width: img.width, height: img.height, data: img.data };
}

// A JPEG ends with FF D9 (some writers add padding after it, so look at the last few bytes).
function hasJpegEnd(b: Uint8Array): boolean {
  for (let i = b.length - 2; i >= Math.max(0, b.length - 64); i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  return false;
}

function decodePng(bytes: Uint8Array, source: string): RGBImage {
  let png: ReturnType<typeof decodePngRaw>;
  try {
    png = decodePngRaw(bytes);
  } catch (e) {
    throw new ImageDecodeError(source, `corrupt PNG (${(e as Error).message})`);
  }
  const { width, height } = png;
  let data = png.data as Uint8Array | Uint16Array | Uint8ClampedArray;
  let channels = png.channels;
  if (png.palette) { data = convertIndexedToRgb(png); channels = data.length / (width * height); }
  const n = width * height;
  if (data.length < n * channels) throw new ImageDecodeError(source, 'truncated PNG pixel data');
  const shift = png.depth === 16 && !png.palette ? 8 : 0;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (channels >= 3) {
      out[3 * i] = data[channels * i] >> shift;
      out[3 * i + 1] = data[channels * i + 1] >> shift;
      out[3 * i + 2] = data[channels * i + 2] >> shift;
    } else {
      const g = data[channels * i] >> shift;
      out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = g;
    }
  }
  return { width, height, data: out };
}

/** Encodes 8-bit RGB as PNG. */
export function encodePng(img: RGBImage): Uint8Array {
  return encodePngRaw({ width: img.width, height: img.height, data: img.data, channels: 3, depth: 8 });
}

/** Encodes 8-bit RGB as baseline JPEG. */
export function encodeJpeg(img: RGBImage, quality = 95): Uint8Array {
  const n = img.width * img.height;
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[4 * i] = img.data[3 * i]; rgba[4 * i + 1] = img.data[3 * i + 1]; rgba[4 * i + 2] = img.data[3 * i + 2]; rgba[4 * i + 3] = 255;
  }
  const r = jpegjs.encode({ width: img.width, height: img.height, data: rgba }, quality);
  return new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
}

// Per output coordinate along one axis: which source samples contribute, with which weights.
interface AxisWeights { start: Int32Array; count: Int32Array; idx: Int32Array; w: Float32Array }

function axisWeights(src: number, dst: number): AxisWeights {
  const scale = src / dst;
  const start = new Int32Array(dst), count = new Int32Array(dst);
  const idx: number[] = [], w: number[] = [];
  for (let o = 0; o < dst; o++) {
    start[o] = idx.length;
    if (scale > 1) {
      // area: average the source cells the output cell covers, weighted by overlap
      const a = o * scale, b = (o + 1) * scale;
      for (let s = Math.floor(a); s < Math.min(src, Math.ceil(b)); s++) {
        const ov = Math.min(b, s + 1) - Math.max(a, s);
        if (ov > 1e-9) { idx.push(s); w.push(ov / scale); }
      }
    } else {
      // bilinear with pixel centres at +0.5
      let x = (o + 0.5) * scale - 0.5;
      x = Math.min(Math.max(x, 0), src - 1);
      const x0 = Math.floor(x), x1 = Math.min(x0 + 1, src - 1), f = x - x0;
      idx.push(x0); w.push(1 - f);
      if (f > 0 && x1 !== x0) { idx.push(x1); w.push(f); }
    }
    count[o] = idx.length - start[o];
  }
  return { start, count, idx: Int32Array.from(idx), w: Float32Array.from(w) };
}

/** Resizes to width × height: bilinear when enlarging, area averaging when shrinking (per axis). */
export function resizeImage(img: RGBImage, width: number, height: number): RGBImage {
  if (img.width === width && img.height === height) return img;
  const sw = img.width, sh = img.height;
  const ax = axisWeights(sw, width), ay = axisWeights(sh, height);
  const tmp = new Float32Array(sh * width * 3); // horizontal pass
  for (let y = 0; y < sh; y++) {
    const row = y * sw * 3, orow = y * width * 3;
    for (let x = 0; x < width; x++) {
      let r = 0, g = 0, b = 0;
      for (let k = ax.start[x], e = k + ax.count[x]; k < e; k++) {
        const p = row + ax.idx[k] * 3, wt = ax.w[k];
        r += img.data[p] * wt; g += img.data[p + 1] * wt; b += img.data[p + 2] * wt;
      }
      tmp[orow + x * 3] = r; tmp[orow + x * 3 + 1] = g; tmp[orow + x * 3 + 2] = b;
    }
  }
  const out = new Uint8Array(height * width * 3);
  const rowLen = width * 3;
  // vertical pass into floats, then round
  const acc = new Float32Array(rowLen);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    for (let k = ay.start[y], e = k + ay.count[y]; k < e; k++) {
      const s = ay.idx[k] * rowLen, wt = ay.w[k];
      for (let i = 0; i < rowLen; i++) acc[i] += tmp[s + i] * wt;
    }
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) { const v = Math.round(acc[i]); out[o + i] = v < 0 ? 0 : v > 255 ? 255 : v; }
  }
  return { width, height, data: out };
}

/** Decodes and, when needed, resizes to size × size. */
export function decodeImageAt(bytes: Uint8Array, size: number | undefined, source = 'image'): RGBImage {
  const img = decodeImage(bytes, source);
  return size && (img.width !== size || img.height !== size) ? resizeImage(img, size, size) : img;
}

/** Writes one image into a float batch at `offset` (NHWC), mapping pixels by (x − 127.5) / 128, mirrored if `flip`. */
export function writeNormalized(img: RGBImage, out: Float32Array, offset: number, flip: boolean): void {
  const { width: w, height: h, data } = img;
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0; x < w; x++) {
      const s = row + (flip ? w - 1 - x : x) * 3, d = offset + row + x * 3;
      out[d] = (data[s] - 127.5) / 128;
      out[d + 1] = (data[s + 1] - 127.5) / 128;
      out[d + 2] = (data[s + 2] - 127.5) / 128;
    }
  }
}

/** Tiles equally sized images into a grid (for contact sheets). */
export function tileImages(images: RGBImage[], cols: number, gap = 2, bg = 255): RGBImage {
  const w = images[0].width, h = images[0].height;
  const rows = Math.ceil(images.length / cols);
  const W = cols * w + (cols + 1) * gap, H = rows * h + (rows + 1) * gap;
  const data = new Uint8Array(W * H * 3).fill(bg);
  images.forEach((im, k) => {
    const ox = gap + (k % cols) * (w + gap), oy = gap + Math.floor(k / cols) * (h + gap);
    for (let y = 0; y < h; y++) data.set(im.data.subarray(y * w * 3, (y + 1) * w * 3), ((oy + y) * W + ox) * 3);
  });
  return { width: W, height: H, data };
}
