// Image-folder datasets: root/<identity>/*.{jpg,jpeg,png}; labels by sorted identity name (or by a
// names.txt in root). Node-only.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImageAt, type RGBImage } from './image';
import { loadOrSubstitute, type Dataset, type OpenOptions } from './dataset';

export const IMAGE_EXT = /\.(jpe?g|png)$/i;

/** Plain code-unit order, the same on every machine and locale. */
export function byName(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }

/** Reads a names file: one identity name per line; line number = label. */
export function readNames(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const names = text.split(/\r?\n/);
  if (names.length && names[names.length - 1] === '') names.pop();
  names.forEach((n, i) => { if (!n.trim()) throw new Error(`${path}: line ${i + 1} is empty (one identity name per line)`); });
  return names.map((n) => n.split('\t')[0].trim());
}

export function writeNames(path: string, names: string[]): void {
  for (const n of names) if (/[\r\n]/.test(n)) throw new Error(`identity name ${JSON.stringify(n)} contains a line break`);
  writeFileSync(path, names.map((n) => n + '\n').join(''));
}

export interface FolderListing { root: string; names: string[]; files: string[]; labels: Int32Array; starts: Int32Array }

/** Lists root/<identity>/<image> in a fixed order. */
export function listImageFolder(root: string, opts: { allowEmpty?: boolean } = {}): FolderListing {
  if (!existsSync(root)) throw new Error(`image folder '${root}' does not exist`);
  if (!statSync(root).isDirectory()) throw new Error(`'${root}' is not a folder (expected root/<identity>/*.jpg)`);
  // identity folders may be symbolic links (e.g. a subset of a larger set): follow them
  const isDir = (d: { name: string; isDirectory(): boolean; isSymbolicLink(): boolean }) =>
    d.isDirectory() || (d.isSymbolicLink() && statSync(join(root, d.name)).isDirectory());
  const dirs = readdirSync(root, { withFileTypes: true }).filter((d) => isDir(d) && !d.name.startsWith('.')).map((d) => d.name).sort(byName);
  let names = dirs;
  const namesFile = join(root, 'names.txt');
  if (existsSync(namesFile)) {
    names = readNames(namesFile);
    const have = new Set(dirs), listed = new Set(names);
    const missing = names.find((n) => !have.has(n));
    if (missing !== undefined) throw new Error(`${namesFile} lists identity '${missing}' but ${join(root, missing)} is not a folder`);
    const extra = dirs.find((d) => !listed.has(d));
    if (extra !== undefined) throw new Error(`${join(root, extra)} is not listed in ${namesFile}`);
  }
  if (names.length === 0) throw new Error(`image folder '${root}' has no identity folders (expected root/<identity>/*.jpg|png)`);
  const files: string[] = [], labels: number[] = [], starts = new Int32Array(names.length + 1);
  names.forEach((name, label) => {
    starts[label] = files.length;
    const imgs = readdirSync(join(root, name)).filter((f) => IMAGE_EXT.test(f) && !f.startsWith('.')).sort(byName);
    if (imgs.length === 0 && !opts.allowEmpty) throw new Error(`identity folder '${join(root, name)}' has no images (.jpg, .jpeg or .png)`);
    for (const f of imgs) { files.push(join(root, name, f)); labels.push(label); }
  });
  starts[names.length] = files.length;
  return { root, names, files, labels: Int32Array.from(labels), starts };
}

export class FolderDataset implements Dataset {
  readonly numIdentities: number; readonly size: number; readonly imageSize: number; readonly names: string[];
  readonly files: string[];
  private readonly labels: Int32Array; private readonly starts: Int32Array;
  private readonly skipBad: boolean; private readonly bad = new Set<number>();
  constructor(readonly spec: string, opts: OpenOptions = {}) {
    const l = listImageFolder(spec);
    this.names = l.names; this.files = l.files; this.labels = l.labels; this.starts = l.starts;
    this.numIdentities = l.names.length; this.size = l.files.length;
    this.imageSize = opts.size ?? 112; this.skipBad = !!opts.skipBad;
  }
  get badCount(): number { return this.bad.size; }
  labelOf(i: number): number { return this.labels[i]; }
  imagesOf(id: number): Int32Array {
    const out = new Int32Array(this.starts[id + 1] - this.starts[id]);
    for (let k = 0; k < out.length; k++) out[k] = this.starts[id] + k;
    return out;
  }
  private loadRaw = (i: number): RGBImage => {
    const path = this.files[i];
    let bytes: Uint8Array;
    try { bytes = readFileSync(path); } catch (e) { throw new Error(`${path}: cannot read (${(e as Error).message})`); }
    return decodeImageAt(bytes, this.imageSize, path);
  };
  load(i: number): RGBImage {
    if (!(i >= 0 && i < this.size)) throw new RangeError(`${this.spec}: image ${i} out of range 0..${this.size - 1}`);
    return loadOrSubstitute(i, this.loadRaw, () => this.imagesOf(this.labels[i]), this.skipBad, this.bad);
  }
}
