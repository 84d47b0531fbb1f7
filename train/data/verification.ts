// Verification pair sets: one type for LFW pairs.txt, `a b 1|0` lists, insightface .bin and synthetic
// held-out pairs, so evaluation consumes any of them. Browser-safe (files are read by node-verification.ts).
import { decodeImageAt, resizeImage, type RGBImage } from './image';
import { parseVerificationBin } from './pickle';
import { renderFace, HELD_OUT_BASE, hashSeed, type SynthOptions } from './synth';
import { Rng } from '../../engine/random';

/** Where one side of a pair comes from: encoded bytes, a file path, or a renderer. */
export type ImageRef = Uint8Array | string | { name: string; render: (size: number) => RGBImage };
export interface Pair { a: ImageRef; b: ImageRef; same: boolean }

export class VerificationSet {
  constructor(
    readonly name: string,
    readonly pairs: Pair[],
    /** Reads a file path (Node: fs.readFileSync); absent in the browser. */
    private readonly readFile?: (path: string) => Uint8Array,
    /** Number of folds for the k-fold protocol. */
    readonly folds = 10,
    /**
     * 'blocks': fold f is the contiguous block [f·n/k, (f+1)·n/k) (LFW View 2, whose folds are blocks of
     * 300 same + 300 different); 'interleave': fold = i mod k (lists with all same pairs first).
     */
    readonly foldLayout: 'blocks' | 'interleave' = 'interleave',
  ) {}
  get count(): number { return this.pairs.length; }
  /** The same pairs with another fold assignment. */
  withFolds(folds: number, layout: 'blocks' | 'interleave' = 'interleave'): VerificationSet { return new VerificationSet(this.name, this.pairs, this.readFile, folds, layout); }
  get same(): boolean[] { return this.pairs.map((p) => p.same); }
  foldOf(i: number): number { return this.foldLayout === 'blocks' ? Math.floor((i * this.folds) / this.count) : i % this.folds; }
  imageName(i: number, side: 0 | 1): string {
    const r = side === 0 ? this.pairs[i].a : this.pairs[i].b;
    return typeof r === 'string' ? r : r instanceof Uint8Array ? `${this.name} pair ${i} image ${side === 0 ? 'a' : 'b'}` : r.name;
  }
  /** Decodes one side of pair i at size × size (resized when needed). */
  loadImage(i: number, side: 0 | 1, size = 112): RGBImage {
    if (!(i >= 0 && i < this.count)) throw new RangeError(`${this.name}: pair ${i} out of range 0..${this.count - 1}`);
    const r = side === 0 ? this.pairs[i].a : this.pairs[i].b;
    if (r instanceof Uint8Array) return decodeImageAt(r, size, this.imageName(i, side));
    if (typeof r === 'string') {
      if (!this.readFile) throw new Error(`${this.name}: pair ${i} refers to the file ${r}, but no file reader is available here`);
      return decodeImageAt(this.readFile(r), size, r);
    }
    const img = r.render(size);
    return img.width === size && img.height === size ? img : resizeImage(img, size, size);
  }
}

export interface LfwPairLine { nameA: string; a: number; nameB: string; b: number; same: boolean }

/**
 * Parses LFW's pairs.txt: a header `folds<TAB>n` (View 2: n same then n different pairs per fold) or
 * `n` (View 1: n same then n different), then `name i j` or `name1 i name2 j` lines.
 */
export function parseLfwPairs(text: string, where = 'pairs.txt'): { folds: number; perFold: number; lines: LfwPairLine[] } {
  const rows = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (rows.length === 0) throw new Error(`${where}: empty file`);
  const head = rows[0].split(/\s+/).map(Number);
  if (head.length > 2 || head.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`${where}: line 1 should be the header 'folds<TAB>pairs per fold' or 'pairs', got ${JSON.stringify(rows[0])}`);
  const [folds, perFold] = head.length === 2 ? head : [1, head[0]];
  const lines: LfwPairLine[] = [];
  for (let k = 1; k < rows.length; k++) {
    const f = rows[k].split(/\s+/);
    const num = (s: string) => { const v = Number(s); if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: line ${k + 1}: '${s}' is not an image number`); return v; };
    if (f.length === 3) lines.push({ nameA: f[0], a: num(f[1]), nameB: f[0], b: num(f[2]), same: true });
    else if (f.length === 4) lines.push({ nameA: f[0], a: num(f[1]), nameB: f[2], b: num(f[3]), same: false });
    else throw new Error(`${where}: line ${k + 1}: expected 'name i j' or 'name1 i name2 j', got ${JSON.stringify(rows[k])}`);
  }
  if (lines.length !== folds * perFold * 2) throw new Error(`${where}: header promises ${folds} × ${perFold} × 2 = ${folds * perFold * 2} pairs, found ${lines.length}`);
  return { folds, perFold, lines };
}

/** LFW's image path for name and 1-based number: name/name_000i.jpg. */
export function lfwImagePath(name: string, i: number, ext = 'jpg'): string { return `${name}/${name}_${String(i).padStart(4, '0')}.${ext}`; }

/** Parses `a.jpg b.jpg 1|0` lines (also `a,b,1`; # comments). */
export function parsePairList(text: string, where = 'pair list'): Array<{ a: string; b: string; same: boolean }> {
  const out: Array<{ a: string; b: string; same: boolean }> = [];
  text.split(/\r?\n/).forEach((raw, k) => {
    const l = raw.trim();
    if (!l || l.startsWith('#')) return;
    const f = l.split(/[\s,]+/);
    if (f.length !== 3 || !/^(0|1|true|false)$/i.test(f[2])) throw new Error(`${where}: line ${k + 1}: expected 'a.jpg b.jpg 1|0', got ${JSON.stringify(raw)}`);
    out.push({ a: f[0], b: f[1], same: /^(1|true)$/i.test(f[2]) });
  });
  if (out.length === 0) throw new Error(`${where}: no pairs`);
  return out;
}

/** A verification set from the bytes of an insightface .bin. */
export function verificationFromBin(data: Uint8Array, name = '.bin'): VerificationSet {
  const { images, same } = parseVerificationBin(data, name);
  return new VerificationSet(name, same.map((s, i) => ({ a: images[2 * i], b: images[2 * i + 1], same: s })));
}

export interface SynthPairsOptions extends SynthOptions { folds?: number; perFold?: number; samples?: number }

/**
 * LFW-layout pairs over held-out synthetic identities (HELD_OUT_BASE + k, never used for training):
 * per fold, perFold same pairs then perFold different pairs, image numbers 1..samples.
 */
export function synthPairLines(opts: SynthPairsOptions = {}): { folds: number; perFold: number; lines: LfwPairLine[] } {
  const folds = opts.folds ?? 10, perFold = opts.perFold ?? 300, samples = opts.samples ?? 10;
  const rng = new Rng(hashSeed(opts.seed ?? 1, 0x77));
  const lines: LfwPairLine[] = [];
  let next = 0;
  const name = (k: number) => `synth_${HELD_OUT_BASE + k}`;
  for (let f = 0; f < folds; f++) {
    for (let p = 0; p < perFold; p++) {
      const id = next++, a = 1 + rng.int(samples);
      let b = 1 + rng.int(samples - 1); if (b >= a) b++;
      lines.push({ nameA: name(id), a, nameB: name(id), b, same: true });
    }
    for (let p = 0; p < perFold; p++) {
      const i1 = next++, i2 = next++;
      lines.push({ nameA: name(i1), a: 1 + rng.int(samples), nameB: name(i2), b: 1 + rng.int(samples), same: false });
    }
  }
  return { folds, perFold, lines };
}

/** The text of a pairs.txt in LFW's View 2 layout. */
export function formatLfwPairs(p: { folds: number; perFold: number; lines: LfwPairLine[] }): string {
  return `${p.folds}\t${p.perFold}\n` + p.lines.map((l) => (l.same ? `${l.nameA}\t${l.a}\t${l.b}` : `${l.nameA}\t${l.a}\t${l.nameB}\t${l.b}`)).join('\n') + '\n';
}

/** Synthetic held-out verification pairs, rendered on demand (no files). */
export function synthVerification(opts: SynthPairsOptions = {}): VerificationSet {
  const p = synthPairLines(opts);
  const so: SynthOptions = { seed: opts.seed, difficulty: opts.difficulty };
  const ref = (name: string, i: number): ImageRef => {
    const id = Number(name.slice(6));
    return { name: lfwImagePath(name, i, 'png'), render: (size) => renderFace(id, i - 1, size, so) };
  };
  return new VerificationSet(`synth pairs (difficulty ${opts.difficulty ?? 0.5})`, p.lines.map((l) => ({ a: ref(l.nameA, l.a), b: ref(l.nameB, l.b), same: l.same })), undefined, p.folds, 'blocks');
}
