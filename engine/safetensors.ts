// The safetensors format: 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the raw bytes.
// Pure byte handling, so it works in Node and in a browser.
import type { DType } from './kernels';

export interface NamedArray {
  dtype: DType;
  shape: number[];
  data: Float32Array | Int32Array | Uint32Array;
}

const TO_ST: Record<DType, string> = { f32: 'F32', i32: 'I32', u32: 'U32' };
const FROM_ST: Record<string, DType> = { F32: 'f32', I32: 'i32', U32: 'u32' };

export function encodeSafetensors(tensors: Map<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: TO_ST[t.dtype], shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keep the data 8-byte aligned
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors data'): { tensors: Map<string, NamedArray>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error(`${source}: too short to be a safetensors file (${bytes.length} bytes)`);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n > bytes.length - 8) throw new Error(`${source}: header length ${n} runs past the end (${bytes.length} bytes); the file is truncated or not safetensors`);
  let header: Record<string, any>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    throw new Error(`${source}: the header is not valid JSON (${(err as Error).message})`);
  }
  const base = 8 + n;
  const tensors = new Map<string, NamedArray>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const dtype = FROM_ST[info.dtype];
    if (!dtype) throw new Error(`${source}: tensor '${name}' has dtype ${info.dtype}; supported: F32, I32, U32`);
    const [b, e] = info.data_offsets as [number, number];
    const count = (info.shape as number[]).reduce((p, d) => p * d, 1);
    if (e - b !== count * 4 || base + e > bytes.length) {
      throw new Error(`${source}: tensor '${name}' [${info.shape}] has byte range [${b}, ${e}) that does not fit its shape or the file`);
    }
    const copy = new Uint8Array(bytes.subarray(base + b, base + e)); // an aligned copy (Buffer.slice would share)
    const Arr = dtype === 'f32' ? Float32Array : dtype === 'i32' ? Int32Array : Uint32Array;
    tensors.set(name, { dtype, shape: info.shape, data: new Arr(copy.buffer, 0, count) });
  }
  return { tensors, metadata: header.__metadata__ ?? {} };
}
