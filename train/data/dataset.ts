// The common dataset interface (folder, RecordIO, synthetic) and the synthetic dataset. Browser-safe.
import type { RGBImage } from './image';
import { renderFace, HELD_OUT_BASE, type SynthOptions } from './synth';

/**
 * A labelled image set. Images are indexed 0..size−1, grouped by identity 0..numIdentities−1.
 * `load(i)` returns the image resized to `imageSize` × `imageSize`.
 */
export interface Dataset {
  /** What it was opened from (a spec that `openDataset` accepts re-opens it, e.g. in a worker). */
  readonly spec: string;
  readonly numIdentities: number;
  /** Number of images. */
  readonly size: number;
  /** Side of the square images `load` returns. */
  readonly imageSize: number;
  labelOf(i: number): number;
  /** Image indices of identity `id`. */
  imagesOf(id: number): Int32Array;
  load(i: number): RGBImage;
  /** Records skipped as unreadable so far (with skipBad). */
  readonly badCount?: number;
  /** Identity names (label → name), where known. */
  readonly names?: string[];
  close?(): void;
}

export interface OpenOptions {
  /** Output image side (default 112). */
  size?: number;
  /** Skip unreadable records/images (counted in `badCount`) instead of throwing. */
  skipBad?: boolean;
}

export interface SynthSpec extends SynthOptions { ids: number; per: number; size?: number; offset: number }

/** Parses `synth:ids=100000,per=10,size=112,difficulty=0.5,seed=1[,offset=N]`. */
export function parseSynthSpec(spec: string): SynthSpec {
  if (!spec.startsWith('synth:') && spec !== 'synth') throw new Error(`not a synth spec: '${spec}'`);
  const out: SynthSpec = { ids: 1000, per: 10, offset: 0 };
  const body = spec.slice(6).trim();
  for (const part of body ? body.split(',') : []) {
    const [k, v] = part.split('=').map((s) => s.trim());
    const num = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(num)) throw new Error(`synth spec '${spec}': '${part}' needs a numeric value (key=value)`);
    switch (k) {
      case 'ids': case 'per': case 'size': case 'offset':
        if (!Number.isInteger(num) || num < (k === 'offset' ? 0 : 1)) throw new Error(`synth spec '${spec}': ${k} must be a positive integer`);
        out[k] = num; break;
      case 'difficulty':
        if (num < 0 || num > 1) throw new Error(`synth spec '${spec}': difficulty must be within 0..1`);
        out.difficulty = num; break;
      case 'seed': out.seed = num; break;
      default: throw new Error(`synth spec '${spec}': unknown key '${k}' (known: ids, per, size, difficulty, seed, offset)`);
    }
  }
  return out;
}

/** Procedural identities: image i is sample i % per of identity ⌊i / per⌋ (+ offset). Nothing stored. */
export class SynthDataset implements Dataset {
  readonly numIdentities: number; readonly size: number; readonly imageSize: number;
  readonly per: number; readonly offset: number; readonly options: SynthOptions;
  constructor(readonly spec: string, opts: OpenOptions = {}) {
    const p = parseSynthSpec(spec);
    this.numIdentities = p.ids; this.per = p.per; this.offset = p.offset;
    this.size = p.ids * p.per;
    this.imageSize = opts.size ?? p.size ?? 112;
    this.options = { seed: p.seed, difficulty: p.difficulty };
  }
  labelOf(i: number): number { this.check(i); return Math.floor(i / this.per); }
  imagesOf(id: number): Int32Array {
    if (!(id >= 0 && id < this.numIdentities)) throw new RangeError(`${this.spec}: identity ${id} out of range 0..${this.numIdentities - 1}`);
    const out = new Int32Array(this.per);
    for (let k = 0; k < this.per; k++) out[k] = id * this.per + k;
    return out;
  }
  load(i: number): RGBImage {
    this.check(i);
    return renderFace(this.offset + Math.floor(i / this.per), i % this.per, this.imageSize, this.options);
  }
  private check(i: number): void {
    if (!(Number.isInteger(i) && i >= 0 && i < this.size)) throw new RangeError(`${this.spec}: image ${i} out of range 0..${this.size - 1}`);
  }
}

/** A dataset over images held in memory (tests, the browser demo). */
export class MemoryDataset implements Dataset {
  readonly numIdentities: number; readonly size: number;
  private readonly byId: Int32Array[];
  constructor(private readonly images: RGBImage[], private readonly labels: ArrayLike<number>, readonly imageSize: number, readonly spec = 'memory') {
    this.size = images.length;
    let maxL = -1;
    for (let i = 0; i < labels.length; i++) maxL = Math.max(maxL, labels[i]);
    this.numIdentities = maxL + 1;
    const lists: number[][] = Array.from({ length: this.numIdentities }, () => []);
    for (let i = 0; i < labels.length; i++) lists[labels[i]].push(i);
    this.byId = lists.map((l) => Int32Array.from(l));
  }
  labelOf(i: number): number { return this.labels[i]; }
  imagesOf(id: number): Int32Array { return this.byId[id]; }
  load(i: number): RGBImage { return this.images[i]; }
}

export { HELD_OUT_BASE };

/**
 * Loads image i; with skipBad, a failure counts in `bad` and the next image of the same identity
 * that loads takes its place (deterministic), so labels stay right.
 */
export function loadOrSubstitute(i: number, load: (i: number) => RGBImage, sameIdentity: () => Int32Array, skipBad: boolean, bad: Set<number>): RGBImage {
  if (!skipBad) return load(i);
  if (!bad.has(i)) {
    try { return load(i); } catch { bad.add(i); }
  }
  const peers = sameIdentity();
  const at = Math.max(0, peers.indexOf(i));
  let lastErr: unknown;
  for (let k = 1; k <= peers.length; k++) {
    const j = peers[(at + k) % peers.length];
    if (bad.has(j)) continue;
    try { return load(j); } catch (e) { bad.add(j); lastErr = e; }
  }
  throw new Error(`image ${i}: it and every other image of its identity are unreadable${lastErr ? ` (last: ${(lastErr as Error).message})` : ''}`);
}
