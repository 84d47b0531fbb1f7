// The ONNX messages this project reads and writes (field numbers from onnx.proto, the public spec),
// decoded into plain objects and encoded back. Only what inference needs is kept; other fields
// (training info, functions, sparse initializers, doc strings) are skipped when reading.
import { ProtoError, ProtoReader, ProtoWriter, Wire } from './proto';

/** TensorProto.DataType values. */
export const DataType = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, BFLOAT16: 16,
} as const;
export const DATA_TYPE_NAME: Record<number, string> = Object.fromEntries(Object.entries(DataType).map(([k, v]) => [v, k]));

/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 } as const;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  raw?: Uint8Array;          // raw_data (little-endian)
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  uint64Data?: number[];
  external?: Record<string, string>; // external_data key → value (location, offset, length)
  dataLocation: number;      // 0 default, 1 external
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number; i?: number; s?: Uint8Array; t?: OnnxTensor;
  floats: number[]; ints: number[]; strings: Uint8Array[];
  hasGraph?: boolean;
}

export interface OnnxNode {
  name: string; opType: string; domain: string;
  inputs: string[]; outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

/** A value's declared type: element type and dims (a number, or a symbolic name, or null if unknown). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  dims: (number | string | null)[] | null;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
  metadata: Record<string, string>;
}

// ---- decoding ---------------------------------------------------------------------------------------

function readTensor(r: ProtoReader): OnnxTensor {
  const t: OnnxTensor = { name: '', dims: [], dataType: 0, dataLocation: 0 };
  for (let k = r.key(); k; k = r.key()) {
    const [f, w] = k;
    switch (f) {
      case 1: r.varints(w, t.dims); break;
      case 2: t.dataType = r.varint(); break;
      case 4: r.floats(w, (t.floatData ??= [])); break;
      case 5: r.varints(w, (t.int32Data ??= [])); break;
      case 7: r.varints(w, (t.int64Data ??= [])); break;
      case 8: t.name = r.string(); break;
      case 9: t.raw = r.bytes(); break;
      case 10: r.doubles(w, (t.doubleData ??= [])); break;
      case 11: r.varints(w, (t.uint64Data ??= [])); break;
      case 13: {
        const e = r.sub('TensorProto.external_data');
        let key = '', value = '';
        for (let kk = e.key(); kk; kk = e.key()) {
          if (kk[0] === 1) key = e.string(); else if (kk[0] === 2) value = e.string(); else e.skip(kk[1]);
        }
        (t.external ??= {})[key] = value;
        break;
      }
      case 14: t.dataLocation = r.varint(); break;
      default: r.skip(w);
    }
  }
  return t;
}

function readAttribute(r: ProtoReader): OnnxAttribute {
  const a: OnnxAttribute = { name: '', type: 0, floats: [], ints: [], strings: [] };
  for (let k = r.key(); k; k = r.key()) {
    const [f, w] = k;
    switch (f) {
      case 1: a.name = r.string(); break;
      case 20: a.type = r.varint(); break;
      case 2: a.f = r.float(); break;
      case 3: a.i = r.varint(); break;
      case 4: a.s = r.bytes(); break;
      case 5: a.t = readTensor(r.sub('AttributeProto.t')); break;
      case 6: a.hasGraph = true; r.skip(w); break;
      case 7: r.floats(w, a.floats); break;
      case 8: r.varints(w, a.ints); break;
      case 9: a.strings.push(r.bytes()); break;
      default: r.skip(w);
    }
  }
  if (!a.type) { // very old files omit the type: infer it from what is set
    a.type = a.f !== undefined ? AttrType.FLOAT : a.i !== undefined ? AttrType.INT : a.s ? AttrType.STRING
      : a.t ? AttrType.TENSOR : a.floats.length ? AttrType.FLOATS : a.ints.length ? AttrType.INTS : a.strings.length ? AttrType.STRINGS : 0;
  }
  return a;
}

function readNode(r: ProtoReader): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: new Map() };
  for (let k = r.key(); k; k = r.key()) {
    const [f, w] = k;
    switch (f) {
      case 1: n.inputs.push(r.string()); break;
      case 2: n.outputs.push(r.string()); break;
      case 3: n.name = r.string(); break;
      case 4: n.opType = r.string(); break;
      case 5: { const a = readAttribute(r.sub(`attribute of node ${n.name || n.opType || '?'}`)); n.attributes.set(a.name, a); break; }
      case 7: n.domain = r.string(); break;
      default: r.skip(w);
    }
  }
  return n;
}

function readValueInfo(r: ProtoReader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0, dims: null };
  for (let k = r.key(); k; k = r.key()) {
    const [f, w] = k;
    if (f === 1) v.name = r.string();
    else if (f === 2) {
      const tp = r.sub('TypeProto');
      for (let kt = tp.key(); kt; kt = tp.key()) {
        if (kt[0] !== 1) { tp.skip(kt[1]); continue; } // only tensor types
        const tt = tp.sub('TypeProto.Tensor');
        for (let k2 = tt.key(); k2; k2 = tt.key()) {
          if (k2[0] === 1) v.elemType = tt.varint();
          else if (k2[0] === 2) {
            v.dims = [];
            const sh = tt.sub('TensorShapeProto');
            for (let k3 = sh.key(); k3; k3 = sh.key()) {
              if (k3[0] !== 1) { sh.skip(k3[1]); continue; }
              const d = sh.sub('TensorShapeProto.Dimension');
              let dim: number | string | null = null;
              for (let k4 = d.key(); k4; k4 = d.key()) {
                if (k4[0] === 1) dim = d.varint(); else if (k4[0] === 2) dim = d.string(); else d.skip(k4[1]);
              }
              v.dims.push(dim);
            }
          } else tt.skip(k2[1]);
        }
      }
    } else r.skip(w);
  }
  return v;
}

function readGraph(r: ProtoReader): OnnxGraph {
  const g: OnnxGraph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] };
  for (let k = r.key(); k; k = r.key()) {
    const [f, w] = k;
    switch (f) {
      case 1: g.nodes.push(readNode(r.sub(`node #${g.nodes.length}`))); break;
      case 2: g.name = r.string(); break;
      case 5: g.initializers.push(readTensor(r.sub(`initializer #${g.initializers.length}`))); break;
      case 11: g.inputs.push(readValueInfo(r.sub('graph input'))); break;
      case 12: g.outputs.push(readValueInfo(r.sub('graph output'))); break;
      case 13: g.valueInfo.push(readValueInfo(r.sub('value_info'))); break;
      default: r.skip(w);
    }
  }
  return g;
}

/** Decodes a ModelProto; throws a ProtoError (wrapped with `source`) on malformed or non-ONNX bytes. */
export function decodeModel(input: Uint8Array, source = 'ONNX data'): OnnxModel {
  // a plain view (Node Buffers' slice() does not copy, which would break aligned copies later)
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const m: OnnxModel = { irVersion: 0, opsets: [], producerName: '', producerVersion: '', graph: null as unknown as OnnxGraph, metadata: {} };
  try {
    const r = new ProtoReader(bytes, 0, bytes.length, 'ModelProto');
    for (let k = r.key(); k; k = r.key()) {
      const [f, w] = k;
      switch (f) {
        case 1: if (w !== Wire.Varint) throw new ProtoError(`ir_version has wire type ${w}`); m.irVersion = r.varint(); break;
        case 2: m.producerName = r.string(); break;
        case 3: m.producerVersion = r.string(); break;
        case 7: if (w !== Wire.Len) throw new ProtoError(`graph has wire type ${w}`); m.graph = readGraph(r.sub('GraphProto')); break;
        case 8: {
          const o = r.sub('OperatorSetIdProto');
          let domain = '', version = 0;
          for (let kk = o.key(); kk; kk = o.key()) {
            if (kk[0] === 1) domain = o.string(); else if (kk[0] === 2) version = o.varint(); else o.skip(kk[1]);
          }
          m.opsets.push({ domain, version });
          break;
        }
        case 14: {
          const e = r.sub('metadata_props');
          let key = '', value = '';
          for (let kk = e.key(); kk; kk = e.key()) {
            if (kk[0] === 1) key = e.string(); else if (kk[0] === 2) value = e.string(); else e.skip(kk[1]);
          }
          m.metadata[key] = value;
          break;
        }
        default: r.skip(w);
      }
    }
  } catch (err) {
    if (err instanceof ProtoError) {
      throw new Error(`${source}: not a valid ONNX model (${bytes.length} bytes): ${err.message}; the file is truncated, corrupt or not ONNX`);
    }
    throw err;
  }
  if (!m.graph || m.irVersion === 0) {
    throw new Error(`${source}: not an ONNX model (${bytes.length} bytes): ${!m.graph ? 'no graph' : 'no ir_version'} found; the file is truncated or not ONNX`);
  }
  return m;
}

// ---- encoding ---------------------------------------------------------------------------------------

export function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  for (const d of t.dims) w.varint(1, d);
  w.varint(2, t.dataType);
  w.string(8, t.name);
  if (t.raw) w.bytes(9, t.raw);
  if (t.int64Data) for (const v of t.int64Data) w.varint(7, v);
  if (t.floatData) for (const v of t.floatData) w.float(4, v);
  for (const [k, v] of Object.entries(t.external ?? {})) w.message(13, (e) => { e.string(1, k); e.string(2, v); });
  if (t.dataLocation) w.varint(14, t.dataLocation);
}

/** A float32 initializer. */
export function floatTensor(name: string, dims: number[], data: Float32Array): OnnxTensor {
  return { name, dims, dataType: DataType.FLOAT, raw: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)), dataLocation: 0 };
}

/** An int64 initializer (little-endian raw data). */
export function int64Tensor(name: string, dims: number[], data: number[]): OnnxTensor {
  const raw = new Uint8Array(data.length * 8);
  const v = new DataView(raw.buffer);
  data.forEach((x, i) => v.setBigInt64(i * 8, BigInt(x), true));
  return { name, dims, dataType: DataType.INT64, raw, dataLocation: 0 };
}

export type AttrValue = number | number[] | string | { floats: number[] } | { float: number };

function writeAttribute(w: ProtoWriter, name: string, v: AttrValue): void {
  w.string(1, name);
  if (typeof v === 'number') { w.varint(20, AttrType.INT); w.varint(3, v); }
  else if (typeof v === 'string') { w.varint(20, AttrType.STRING); w.string(4, v); }
  else if (Array.isArray(v)) { w.varint(20, AttrType.INTS); for (const x of v) w.varint(8, x); }
  else if ('float' in v) { w.varint(20, AttrType.FLOAT); w.float(2, v.float); }
  else { w.varint(20, AttrType.FLOATS); for (const x of v.floats) w.float(7, x); }
}

export interface NodeSpec { op: string; name: string; inputs: string[]; outputs: string[]; attrs?: Record<string, AttrValue> }
export interface ValueSpec { name: string; elemType?: number; dims: (number | string)[] }

function writeValueInfo(w: ProtoWriter, v: ValueSpec): void {
  w.string(1, v.name);
  w.message(2, (tp) => tp.message(1, (tt) => {
    tt.varint(1, v.elemType ?? DataType.FLOAT);
    tt.message(2, (sh) => {
      for (const d of v.dims ?? []) sh.message(1, (dm) => { if (typeof d === 'number') dm.varint(1, d); else dm.string(2, d); });
    });
  }));
}

export interface ModelSpec {
  opset: number;
  producer: string;
  graphName: string;
  nodes: NodeSpec[];
  initializers: OnnxTensor[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  metadata?: Record<string, string>;
  irVersion?: number;
}

/** Encodes a ModelProto. */
export function encodeModel(m: ModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, m.irVersion ?? 8);
  w.string(2, m.producer);
  w.message(8, (o) => { o.string(1, ''); o.varint(2, m.opset); });
  w.message(7, (g) => {
    for (const n of m.nodes) {
      g.message(1, (nw) => {
        for (const i of n.inputs) nw.string(1, i);
        for (const o of n.outputs) nw.string(2, o);
        nw.string(3, n.name);
        nw.string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs ?? {})) nw.message(5, (aw) => writeAttribute(aw, k, v));
      });
    }
    g.string(2, m.graphName);
    for (const t of m.initializers) g.message(5, (tw) => writeTensor(tw, t));
    for (const v of m.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of m.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  });
  for (const [k, v] of Object.entries(m.metadata ?? {})) w.message(14, (e) => { e.string(1, k); e.string(2, v); });
  return w.finish();
}
