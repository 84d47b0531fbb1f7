// Host-side (CPU) tensors for ONNX import: decoding TensorProto data, and the small amount of
// arithmetic that shape computations and weight conversion need (transpose, broadcasting binary ops,
// gather, concat). Browser-safe.
import { DataType, DATA_TYPE_NAME, type OnnxTensor } from './schema';

/** A constant known on the host: floats as Float32Array, integers and bools as Float64Array. */
export interface HostTensor {
  float: boolean;
  shape: number[];
  data: Float32Array | Float64Array;
}

export const sizeOfShape = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

export function hostTensor(float: boolean, shape: number[], data: ArrayLike<number>): HostTensor {
  return { float, shape, data: float ? Float32Array.from(data) : Float64Array.from(data) };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Reads external bytes for a tensor: null when the file is missing. */
export type ExternalReader = (location: string) => Uint8Array | null;

/** Decodes a TensorProto's values; `where` names the model file in errors. */
export function decodeTensor(t: OnnxTensor, where: string, readExternal?: ExternalReader): HostTensor {
  const count = sizeOfShape(t.dims);
  const typeName = DATA_TYPE_NAME[t.dataType] ?? `type ${t.dataType}`;
  const float = t.dataType === DataType.FLOAT || t.dataType === DataType.DOUBLE || t.dataType === DataType.FLOAT16;
  let raw = t.raw;
  if (t.dataLocation === 1 || t.external) {
    const ext = t.external ?? {};
    const loc = ext.location;
    if (!loc) throw new Error(`${where}: tensor '${t.name}' says its data is external but names no location`);
    if (!readExternal) throw new Error(`${where}: tensor '${t.name}' keeps its data in the external file '${loc}', and no directory to read it from was given (load the model from a file path, or pass readExternal)`);
    const file = readExternal(loc);
    if (!file) throw new Error(`${where}: tensor '${t.name}' keeps its data in the external file '${loc}', which is missing`);
    const offset = Number(ext.offset ?? 0), length = ext.length !== undefined ? Number(ext.length) : file.length - offset;
    if (offset + length > file.length) {
      throw new Error(`${where}: tensor '${t.name}' wants bytes [${offset}, ${offset + length}) of external file '${loc}', which has ${file.length} bytes`);
    }
    raw = file.subarray(offset, offset + length);
  }
  const out = float ? new Float32Array(count) : new Float64Array(count);
  const bad = (got: number) => new Error(`${where}: tensor '${t.name}' [${t.dims}] ${typeName} has ${got} values, expected ${count}`);
  if (raw) {
    const bytes = Uint8Array.prototype.slice.call(raw); // aligned copy (also of a Node Buffer)
    const v = new DataView(bytes.buffer);
    const width: Record<number, number> = {
      [DataType.FLOAT]: 4, [DataType.DOUBLE]: 8, [DataType.FLOAT16]: 2, [DataType.INT64]: 8, [DataType.INT32]: 4,
      [DataType.INT8]: 1, [DataType.UINT8]: 1, [DataType.BOOL]: 1, [DataType.INT16]: 2, [DataType.UINT16]: 2,
      [DataType.UINT32]: 4, [DataType.UINT64]: 8,
    };
    const wd = width[t.dataType];
    if (!wd) throw new Error(`${where}: tensor '${t.name}' has data type ${typeName}, which is not supported`);
    if (bytes.length !== count * wd) throw new Error(`${where}: tensor '${t.name}' [${t.dims}] ${typeName} has ${bytes.length} bytes of data, expected ${count * wd} (truncated file?)`);
    for (let i = 0; i < count; i++) {
      const o = i * wd;
      switch (t.dataType) {
        case DataType.FLOAT: out[i] = v.getFloat32(o, true); break;
        case DataType.DOUBLE: out[i] = v.getFloat64(o, true); break;
        case DataType.FLOAT16: out[i] = halfToFloat(v.getUint16(o, true)); break;
        case DataType.INT64: out[i] = Number(v.getBigInt64(o, true)); break;
        case DataType.UINT64: out[i] = Number(v.getBigUint64(o, true)); break;
        case DataType.INT32: out[i] = v.getInt32(o, true); break;
        case DataType.UINT32: out[i] = v.getUint32(o, true); break;
        case DataType.INT16: out[i] = v.getInt16(o, true); break;
        case DataType.UINT16: out[i] = v.getUint16(o, true); break;
        case DataType.INT8: out[i] = v.getInt8(o); break;
        default: out[i] = v.getUint8(o);
      }
    }
    return { float, shape: [...t.dims], data: out };
  }
  const src = t.floatData ?? t.doubleData ?? t.int64Data ?? t.uint64Data ?? t.int32Data ?? [];
  if (src.length !== count) throw bad(src.length);
  if (t.dataType === DataType.FLOAT16 && t.int32Data) for (let i = 0; i < count; i++) out[i] = halfToFloat(src[i]);
  else out.set(src);
  return { float, shape: [...t.dims], data: out };
}

/** Row-major strides. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]; }
  return s;
}

/** out[i...] = x[perm applied]: out.shape[j] = x.shape[perm[j]]. */
export function hostTranspose(x: HostTensor, perm: number[]): HostTensor {
  const shape = perm.map((p) => x.shape[p]);
  const xs = strides(x.shape), os = strides(shape);
  const n = sizeOfShape(shape);
  const out = x.float ? new Float32Array(n) : new Float64Array(n);
  const rank = shape.length;
  const srcStride = perm.map((p) => xs[p]);
  for (let i = 0; i < n; i++) {
    let rem = i, src = 0;
    for (let d = 0; d < rank; d++) { const c = Math.floor(rem / os[d]); rem -= c * os[d]; src += c * srcStride[d]; }
    out[i] = x.data[src];
  }
  return { float: x.float, shape, data: out };
}

export function broadcast(a: readonly number[], b: readonly number[], where: string): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1, db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`${where}: shapes [${a}] and [${b}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Element-wise binary op with NumPy broadcasting. */
export function hostBinary(a: HostTensor, b: HostTensor, f: (x: number, y: number) => number, where: string): HostTensor {
  const shape = broadcast(a.shape, b.shape, where);
  const n = sizeOfShape(shape), r = shape.length;
  const float = a.float || b.float;
  const out = float ? new Float32Array(n) : new Float64Array(n);
  const os = strides(shape);
  const bs = (s: number[]) => { const st = strides(s); return shape.map((_, d) => { const k = d - (r - s.length); return k < 0 || s[k] === 1 ? 0 : st[k]; }); };
  const as = bs(a.shape), bbs = bs(b.shape);
  for (let i = 0; i < n; i++) {
    let rem = i, ia = 0, ib = 0;
    for (let d = 0; d < r; d++) { const c = Math.floor(rem / os[d]); rem -= c * os[d]; ia += c * as[d]; ib += c * bbs[d]; }
    let v = f(a.data[ia], b.data[ib]);
    if (!float) v = Math.trunc(v);
    out[i] = v;
  }
  return { float, shape, data: out };
}

export function hostGather(x: HostTensor, idx: HostTensor, axis: number): HostTensor {
  const ax = axis < 0 ? axis + x.shape.length : axis;
  const outer = sizeOfShape(x.shape.slice(0, ax)), inner = sizeOfShape(x.shape.slice(ax + 1)), dim = x.shape[ax];
  const shape = [...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)];
  const out = x.float ? new Float32Array(sizeOfShape(shape)) : new Float64Array(sizeOfShape(shape));
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (let k = 0; k < idx.data.length; k++) {
      let j = idx.data[k];
      if (j < 0) j += dim;
      if (j < 0 || j >= dim) throw new Error(`Gather: index ${idx.data[k]} is out of range for axis of size ${dim}`);
      for (let i = 0; i < inner; i++) out[o++] = x.data[(a * dim + j) * inner + i];
    }
  }
  return { float: x.float, shape, data: out };
}

export function hostConcat(xs: HostTensor[], axis: number): HostTensor {
  const rank = xs[0].shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  const shape = [...xs[0].shape];
  shape[ax] = xs.reduce((s, x) => s + x.shape[ax], 0);
  const float = xs.some((x) => x.float);
  const out = float ? new Float32Array(sizeOfShape(shape)) : new Float64Array(sizeOfShape(shape));
  const outer = sizeOfShape(shape.slice(0, ax));
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const x of xs) {
      const chunk = sizeOfShape(x.shape.slice(ax));
      out.set(x.data.subarray(a * chunk, (a + 1) * chunk), o);
      o += chunk;
    }
  }
  return { float, shape, data: out };
}
