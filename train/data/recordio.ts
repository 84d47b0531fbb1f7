// MXNet/InsightFace RecordIO: record framing and the image header, on bytes. Browser-safe.
//   record  = u32 magic 0xCED7230A, u32 lrec (length = lrec & (2^29−1), cflag = lrec >>> 29), payload, zero pad to 4
//   cflag   = 0 whole record; 1/2/3 first/middle/last part of a payload that was split where the magic occurred
//   payload = flag u32, label f32, id u64, id2 u64, [flag × f32 labels], image bytes (little-endian)

export const RECORDIO_MAGIC = 0xced7230a;
const MAGIC_BYTES = new Uint8Array([0x0a, 0x23, 0xd7, 0xce]);
const LEN_MASK = (1 << 29) - 1;

export interface RecordHeader {
  flag: number;
  /** The scalar label, or the label array when flag > 0. */
  label: number | Float32Array;
  id: bigint;
  id2: bigint;
}

export interface ImageRecord { header: RecordHeader; image: Uint8Array }

/** Splits a payload into the header and the image bytes. */
export function unpackRecord(payload: Uint8Array, where = 'record'): ImageRecord {
  if (payload.length < 24) throw new Error(`${where}: payload of ${payload.length} bytes is shorter than the 24-byte image header`);
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const flag = dv.getUint32(0, true);
  let label: number | Float32Array = dv.getFloat32(4, true);
  const id = dv.getBigUint64(8, true), id2 = dv.getBigUint64(16, true);
  let off = 24;
  if (flag > 0) {
    if (24 + 4 * flag > payload.length) throw new Error(`${where}: header says ${flag} labels, but the payload has only ${payload.length} bytes`);
    const arr = new Float32Array(flag);
    for (let k = 0; k < flag; k++) arr[k] = dv.getFloat32(24 + 4 * k, true);
    label = arr; off += 4 * flag;
  }
  return { header: { flag, label, id, id2 }, image: payload.subarray(off) };
}

/** Builds a payload: header (+ label array when `label` is an array), then the image bytes. */
export function packRecord(label: number | ArrayLike<number>, image: Uint8Array = new Uint8Array(0), id = 0n, id2 = 0n): Uint8Array {
  const labels = typeof label === 'number' ? null : Array.from(label);
  const flag = labels ? labels.length : 0;
  const out = new Uint8Array(24 + 4 * flag + image.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, flag, true);
  dv.setFloat32(4, labels ? 0 : (label as number), true);
  dv.setBigUint64(8, id, true); dv.setBigUint64(16, id2, true);
  if (labels) labels.forEach((v, k) => dv.setFloat32(24 + 4 * k, v, true));
  out.set(image, 24 + 4 * flag);
  return out;
}

function frame(cflag: number, part: Uint8Array): Uint8Array {
  const padded = (part.length + 3) & ~3;
  const out = new Uint8Array(8 + padded);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, RECORDIO_MAGIC, true);
  dv.setUint32(4, ((cflag << 29) | part.length) >>> 0, true);
  out.set(part, 8);
  return out;
}

/**
 * Frames a payload as one or more records. Where the magic occurs at a 4-byte-aligned offset of the
 * payload, the payload is cut there (the magic itself is dropped) and the pieces are written with
 * cflag 1 (first), 2 (middle), 3 (last) — what MXNet's writer does, so that a reader scanning for
 * the magic never mistakes payload bytes for a record start.
 */
export function frameRecord(payload: Uint8Array): Uint8Array[] {
  if (payload.length > LEN_MASK) throw new Error(`record payload of ${payload.length} bytes exceeds RecordIO's 2^29 − 1 limit`);
  const parts: Uint8Array[] = [];
  let start = 0;
  const aligned = payload.length & ~3;
  for (let i = 0; i < aligned; i += 4) {
    if (payload[i] === MAGIC_BYTES[0] && payload[i + 1] === MAGIC_BYTES[1] && payload[i + 2] === MAGIC_BYTES[2] && payload[i + 3] === MAGIC_BYTES[3]) {
      parts.push(frame(start === 0 && parts.length === 0 ? 1 : 2, payload.subarray(start, i)));
      start = i + 4;
    }
  }
  parts.push(frame(parts.length ? 3 : 0, payload.subarray(start)));
  return parts;
}

/** Reads `n` bytes at a position (a file handle, or a byte array). Returns fewer at the end. */
export type ReadAt = (pos: number, n: number) => Uint8Array;

/**
 * Reads the (possibly split) record that starts at `pos`. Returns its payload and the position after it.
 * `where` names the file and key in errors.
 */
export function readRecordAt(read: ReadAt, pos: number, fileSize: number, where: string): { payload: Uint8Array; end: number } {
  const parts: Uint8Array[] = [];
  let p = pos;
  for (let part = 0; ; part++) {
    if (p + 8 > fileSize) throw new Error(`${where}: truncated record at byte ${p}: the file ends (${fileSize} bytes) inside the 8-byte record head`);
    const head = read(p, 8);
    const dv = new DataView(head.buffer, head.byteOffset, 8);
    const magic = dv.getUint32(0, true);
    if (magic !== RECORDIO_MAGIC) throw new Error(`${where}: wrong magic 0x${magic.toString(16).padStart(8, '0')} at byte ${p} (expected 0xced7230a): not a RecordIO record, or the index points into the middle of one`);
    const lrec = dv.getUint32(4, true);
    const len = lrec & LEN_MASK, cflag = lrec >>> 29;
    if (p + 8 + len > fileSize) throw new Error(`${where}: truncated record at byte ${p}: its length is ${len} bytes but only ${fileSize - p - 8} remain in the file`);
    if (part === 0 && (cflag === 2 || cflag === 3)) throw new Error(`${where}: record at byte ${p} is a continuation part (cflag ${cflag}), not the start of a record`);
    if (part > 0 && (cflag === 0 || cflag === 1)) throw new Error(`${where}: split record at byte ${pos} is not finished: part ${part + 1} has cflag ${cflag}`);
    parts.push(len ? read(p + 8, len) : new Uint8Array(0));
    p += 8 + ((len + 3) & ~3);
    if (cflag === 0 || cflag === 3) break;
  }
  if (parts.length === 1) return { payload: parts[0], end: p };
  const total = parts.reduce((s, x) => s + x.length, 0) + 4 * (parts.length - 1);
  const out = new Uint8Array(total);
  let o = 0;
  parts.forEach((x, k) => { if (k) { out.set(MAGIC_BYTES, o); o += 4; } out.set(x, o); o += x.length; });
  return { payload: out, end: p };
}

/** Parses an .idx file: lines `key<TAB>offset`. */
export function parseIndex(text: string, where: string): Map<number, number> {
  const m = new Map<number, number>();
  text.split(/\r?\n/).forEach((line, n) => {
    if (!line.trim()) return;
    const [k, v] = line.trim().split(/\s+/);
    const key = Number(k), off = Number(v);
    if (!Number.isInteger(key) || !Number.isInteger(off) || off < 0) throw new Error(`${where}: line ${n + 1} is not 'key<TAB>offset': ${JSON.stringify(line)}`);
    m.set(key, off);
  });
  return m;
}
