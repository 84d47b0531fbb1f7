// InsightFace RecordIO datasets (<prefix>.rec, <prefix>.idx, property), read record by record through
// a file handle (the .rec is never loaded whole), and the writer. Node-only.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeImageAt, type RGBImage } from './image';
import { loadOrSubstitute, type Dataset, type OpenOptions } from './dataset';
import { frameRecord, packRecord, parseIndex, readRecordAt, unpackRecord, type ImageRecord, type ReadAt } from './recordio';

/** Strips .rec/.idx from a path to get the prefix. */
export function recPrefix(spec: string): string { return spec.replace(/\.(rec|idx)$/, ''); }

export interface Property { numClasses: number; height: number; width: number; path: string }

/** Finds and parses `<prefix>.property` or `<dir>/property` (`num_classes,H,W`). */
export function readProperty(prefix: string): Property {
  const candidates = [`${prefix}.property`, join(dirname(prefix), 'property')];
  const path = candidates.find((p) => existsSync(p));
  if (!path) throw new Error(`RecordIO ${prefix}.rec: missing property file (looked for ${candidates.join(' and ')}; it holds 'num_classes,H,W')`);
  const text = readFileSync(path, 'utf8').trim();
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 3 || parts.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`${path}: expected 'num_classes,H,W', got ${JSON.stringify(text)}`);
  return { numClasses: parts[0], height: parts[1], width: parts[2], path };
}

/** Random access to the records of a .rec through its .idx. */
export class RecordFile {
  readonly recPath: string; readonly idxPath: string; readonly fileSize: number;
  readonly index: Map<number, number>;
  private fd: number;
  constructor(prefix: string) {
    this.recPath = `${prefix}.rec`; this.idxPath = `${prefix}.idx`;
    if (!existsSync(this.recPath)) throw new Error(`RecordIO file ${this.recPath} does not exist`);
    if (!existsSync(this.idxPath)) throw new Error(`RecordIO index ${this.idxPath} does not exist (random access needs the .idx beside the .rec)`);
    this.index = parseIndex(readFileSync(this.idxPath, 'utf8'), this.idxPath);
    this.fd = openSync(this.recPath, 'r');
    this.fileSize = fstatSync(this.fd).size;
  }
  readAt: ReadAt = (pos, n) => {
    const buf = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const r = readSync(this.fd, buf, got, n - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    return got === n ? buf : buf.subarray(0, got);
  };
  has(key: number): boolean { return this.index.has(key); }
  /** The raw payload of record `key`. */
  payload(key: number): Uint8Array {
    const off = this.index.get(key);
    const where = `${this.recPath} key ${key}`;
    if (off === undefined) throw new Error(`${where}: no such key in ${this.idxPath}`);
    if (off >= this.fileSize) throw new Error(`${where}: index points past the end (offset ${off}, file is ${this.fileSize} bytes)`);
    return readRecordAt(this.readAt, off, this.fileSize, where).payload;
  }
  record(key: number): ImageRecord { return unpackRecord(this.payload(key), `${this.recPath} key ${key}`); }
  close(): void { if (this.fd >= 0) { closeSync(this.fd); this.fd = -1; } }
}

function labelsOf(r: ImageRecord): number[] { return typeof r.header.label === 'number' ? [r.header.label] : Array.from(r.header.label); }

/**
 * An InsightFace training set. With the key-0 header (flag 2, labels [N+1, N+1+K]) images are keys
 * 1..N and identity j's images are the keys [start, end) of record N+1+j; label = j. Without it every
 * indexed record is an image whose header label is its identity.
 */
export class RecordDataset implements Dataset {
  readonly numIdentities: number; readonly size: number; readonly imageSize: number;
  readonly property: Property; readonly file: RecordFile;
  /** Dataset index → record key. */
  readonly keys: Int32Array;
  private readonly labels: Int32Array; private readonly byId: Int32Array[];
  private readonly skipBad: boolean; private readonly bad = new Set<number>();
  /** Index entries dropped at open (with skipBad) because they point past the end. */
  readonly droppedKeys: number[] = [];
  constructor(readonly spec: string, opts: OpenOptions = {}) {
    const prefix = recPrefix(spec);
    this.property = readProperty(prefix);
    this.file = new RecordFile(prefix);
    this.skipBad = !!opts.skipBad;
    this.imageSize = opts.size ?? this.property.height;
    const f = this.file;
    const valid = (key: number) => {
      const off = f.index.get(key);
      if (off === undefined) { if (this.skipBad) { this.droppedKeys.push(key); return false; } throw new Error(`${f.recPath}: key ${key} is missing from ${f.idxPath}`); }
      if (off >= f.fileSize) {
        if (this.skipBad) { this.droppedKeys.push(key); return false; }
        throw new Error(`${f.recPath} key ${key}: index points past the end (offset ${off}, file is ${f.fileSize} bytes)`);
      }
      return true;
    };
    let header: ImageRecord | undefined;
    if (f.has(0)) header = f.record(0);
    const keys: number[] = [], labels: number[] = [];
    if (header && header.header.flag > 0) {
      const [a, b] = labelsOf(header).map((x) => Math.round(x));
      if (!(a >= 1 && b >= a)) throw new Error(`${f.recPath} key 0: header labels [${a}, ${b}] are not [N+1, N+1+K]`);
      const K = b - a;
      for (let j = 0; j < K; j++) {
        const key = a + j;
        const rec = f.record(key);
        const [s, e] = labelsOf(rec).map((x) => Math.round(x));
        if (rec.header.flag < 2 || !(s >= 1 && e >= s && e <= a)) throw new Error(`${f.recPath} key ${key}: identity record ${j} should hold an image key range [start, end) within 1..${a - 1}, got flag ${rec.header.flag}, labels ${labelsOf(rec).join(',')}`);
        for (let k = s; k < e; k++) if (valid(k)) { keys.push(k); labels.push(j); }
      }
    } else {
      const all = [...f.index.keys()].filter((k) => k !== 0 || header).sort((x, y) => x - y);
      for (const k of all) {
        if (!valid(k)) continue;
        let rec: ImageRecord;
        try { rec = unpackRecord(readRecordAt(f.readAt, f.index.get(k)!, f.fileSize, `${f.recPath} key ${k}`).payload.subarray(0, 24 + 4 * 64), `${f.recPath} key ${k}`); } catch (e) {
          if (this.skipBad) { this.droppedKeys.push(k); continue; }
          throw e;
        }
        const l = Math.round(labelsOf(rec)[0]);
        if (!(l >= 0)) throw new Error(`${f.recPath} key ${k}: label ${labelsOf(rec)[0]} is not an identity number`);
        keys.push(k); labels.push(l);
      }
    }
    this.keys = Int32Array.from(keys); this.labels = Int32Array.from(labels);
    this.size = keys.length;
    let K = 0;
    for (const l of labels) K = Math.max(K, l + 1);
    this.numIdentities = header && header.header.flag > 0 ? Math.round(labelsOf(header)[1] - labelsOf(header)[0]) : K;
    const lists: number[][] = Array.from({ length: this.numIdentities }, () => []);
    labels.forEach((l, i) => lists[l].push(i));
    this.byId = lists.map((l) => Int32Array.from(l));
  }
  get badCount(): number { return this.bad.size + this.droppedKeys.length; }
  labelOf(i: number): number { return this.labels[i]; }
  imagesOf(id: number): Int32Array { return this.byId[id]; }
  /** The encoded image bytes of dataset image i. */
  imageBytes(i: number): Uint8Array { return this.file.record(this.keys[i]).image; }
  private loadRaw = (i: number): RGBImage => {
    const key = this.keys[i];
    return decodeImageAt(this.imageBytes(i), this.imageSize, `${this.file.recPath} key ${key}`);
  };
  load(i: number): RGBImage {
    if (!(i >= 0 && i < this.size)) throw new RangeError(`${this.spec}: image ${i} out of range 0..${this.size - 1}`);
    return loadOrSubstitute(i, this.loadRaw, () => this.byId[this.labels[i]], this.skipBad, this.bad);
  }
  close(): void { this.file.close(); }
}

/** Writes records and the .idx (`key\toffset`) as MXNet's indexed writer does. */
export class RecordWriter {
  private fd: number; private pos = 0; private idx: string[] = [];
  readonly recPath: string; readonly idxPath: string;
  constructor(prefix: string) {
    this.recPath = `${prefix}.rec`; this.idxPath = `${prefix}.idx`;
    this.fd = openSync(this.recPath, 'w');
  }
  /** Writes one payload under `key` (split where it contains the magic). */
  write(key: number, payload: Uint8Array): void {
    this.idx.push(`${key}\t${this.pos}\n`);
    for (const part of frameRecord(payload)) { writeSync(this.fd, part); this.pos += part.length; }
  }
  close(): void {
    closeSync(this.fd);
    writeFileSyncSafe(this.idxPath, this.idx.join(''));
  }
}

function writeFileSyncSafe(path: string, text: string): void {
  const fd = openSync(path, 'w');
  try { writeSync(fd, text); } finally { closeSync(fd); }
}

/**
 * Writes an InsightFace training set: images as keys 1..N (label = identity), identity records
 * N+1..N+K (flag 2, labels [start, end)), then key 0 (flag 2, labels [N+1, N+1+K]) — last, as the
 * .idx gives random access — the .idx and `<prefix>.property` (`K,H,W`). `image(j, k)` returns the k-th
 * encoded image of identity j, or null to leave it out.
 */
export function writeRecordDataset(prefix: string, counts: number[], image: (id: number, k: number) => Uint8Array | null, size: [number, number] | (() => [number, number]), onImage?: () => void): { images: number; identities: number; skipped: number } {
  const K = counts.length;
  const w = new RecordWriter(prefix);
  let key = 1, skipped = 0;
  try {
    const ranges: Array<[number, number]> = [];
    for (let j = 0; j < K; j++) {
      const start = key;
      for (let k = 0; k < counts[j]; k++) {
        const bytes = image(j, k);
        onImage?.();
        if (!bytes) { skipped++; continue; }
        w.write(key++, packRecord(j, bytes));
      }
      ranges.push([start, key]);
    }
    const N = key - 1;
    ranges.forEach(([s, e], j) => w.write(N + 1 + j, packRecord([s, e])));
    w.write(0, packRecord([N + 1, N + 1 + K]));
  } finally {
    w.close();
  }
  const [h, wd] = typeof size === "function" ? size() : size;
  writeFileSyncSafe(`${prefix}.property`, `${K},${h},${wd}\n`);
  return { images: key - 1, identities: K, skipped };
}
