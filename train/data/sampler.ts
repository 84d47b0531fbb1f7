// Samplers (which images, in which order, flipped or not) and batch assembly. All randomness is
// spent here, on the thread that owns the sampler, so batches depend only on the seed and the state,
// never on how many workers decode them. Browser-safe.
import { Rng } from '../../engine/random';
import { writeNormalized } from './image';
import { hashSeed } from './synth';
import type { Dataset } from './dataset';

/** A host batch: images NHWC, pixels mapped by (x − 127.5) / 128. */
export interface Batch {
  images: Float32Array; // n * size * size * 3
  labels: Int32Array;
  n: number;
  /** Image side. */
  size: number;
  /** The instance epoch this batch belongs to. */
  epoch: number;
}

/** Which images make one batch and whether each is mirrored. */
export interface Plan { indices: Int32Array; flips: Uint8Array; labels: Int32Array; epoch: number }

export type SamplerState =
  | { kind: 'instance'; seed: number; epoch: number; pos: number; rng: number }
  | { kind: 'identity'; seed: number; round: number; pos: number; rng: number }
  | { kind: 'ffc'; instance: SamplerState; identity: SamplerState };

export interface Sampler {
  next(): Plan;
  /** JSON-serialisable; `setState` of it continues exactly where this sampler is now. */
  getState(): SamplerState;
  setState(s: SamplerState): void;
  readonly epoch: number;
  /** Images per plan. */
  readonly batchImages: number;
}

function permutation(n: number, seed: number, tag: number, round: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  new Rng(hashSeed(seed, tag, round)).shuffle(p);
  return p;
}

export interface InstanceOptions { batchSize: number; seed?: number; flip?: boolean; dropLast?: boolean }

/**
 * The instance loader: every image once per epoch in a seeded random order, mirrored with p = 0.5.
 * With dropLast (default) an epoch is ⌊size / batchSize⌋ full batches.
 */
export class InstanceSampler implements Sampler {
  private perm: Int32Array; private pos = 0; private rng: Rng;
  epoch = 0;
  readonly seed: number; readonly batchImages: number;
  private readonly flip: boolean; private readonly dropLast: boolean;
  constructor(private readonly ds: Pick<Dataset, 'size' | 'labelOf' | 'spec'>, opts: InstanceOptions) {
    this.seed = opts.seed ?? 1; this.batchImages = opts.batchSize;
    this.flip = opts.flip ?? true; this.dropLast = opts.dropLast ?? true;
    if (!(opts.batchSize >= 1)) throw new Error(`batch size must be ≥ 1, got ${opts.batchSize}`);
    if (this.dropLast && ds.size < opts.batchSize) throw new Error(`${ds.spec}: ${ds.size} images is fewer than one batch of ${opts.batchSize}`);
    this.rng = new Rng(hashSeed(this.seed, 0x11));
    this.perm = permutation(ds.size, this.seed, 0x12, 0);
  }
  get stepsPerEpoch(): number { return this.dropLast ? Math.floor(this.ds.size / this.batchImages) : Math.ceil(this.ds.size / this.batchImages); }
  next(): Plan {
    const N = this.ds.size;
    if (this.pos >= N || (this.dropLast && this.pos + this.batchImages > N)) {
      this.epoch++; this.pos = 0; this.perm = permutation(N, this.seed, 0x12, this.epoch);
    }
    const n = Math.min(this.batchImages, N - this.pos);
    const indices = this.perm.slice(this.pos, this.pos + n);
    this.pos += n;
    const flips = new Uint8Array(n), labels = new Int32Array(n);
    for (let k = 0; k < n; k++) { flips[k] = this.flip && this.rng.next() < 0.5 ? 1 : 0; labels[k] = this.ds.labelOf(indices[k]); }
    return { indices, flips, labels, epoch: this.epoch };
  }
  getState(): SamplerState { return { kind: 'instance', seed: this.seed, epoch: this.epoch, pos: this.pos, rng: this.rng.getState() }; }
  setState(s: SamplerState): void {
    if (s.kind !== 'instance') throw new Error(`sampler state of kind '${s.kind}' given to an instance sampler`);
    if (s.seed !== this.seed) throw new Error(`sampler state has seed ${s.seed}, this sampler ${this.seed}`);
    this.epoch = s.epoch; this.pos = s.pos; this.rng.setState(s.rng);
    this.perm = permutation(this.ds.size, this.seed, 0x12, this.epoch);
  }
}

export interface IdentityOptions { batchSize: number; seed?: number; flip?: boolean }

/**
 * The identity loader: per batch, batchSize distinct identities in seeded random order, each with
 * two different random images (the same one twice if it has one). Plan order: the first images of
 * all identities, then the second images. Restarts with a new order when fewer than batchSize remain.
 */
export class IdentitySampler implements Sampler {
  private perm: Int32Array; private pos = 0; private round = 0; private rng: Rng;
  readonly seed: number; readonly batchImages: number; private readonly B: number; private readonly flip: boolean;
  constructor(private readonly ds: Pick<Dataset, 'numIdentities' | 'imagesOf' | 'spec'>, opts: IdentityOptions) {
    this.seed = opts.seed ?? 1; this.B = opts.batchSize; this.batchImages = 2 * opts.batchSize; this.flip = opts.flip ?? true;
    if (ds.numIdentities < this.B) throw new Error(`${ds.spec}: the identity loader needs at least ${this.B} identities (batch size), the dataset has ${ds.numIdentities}`);
    this.rng = new Rng(hashSeed(this.seed, 0x21));
    this.perm = permutation(ds.numIdentities, this.seed, 0x22, 0);
  }
  get epoch(): number { return this.round; }
  private restart(): void { this.round++; this.pos = 0; this.perm = permutation(this.ds.numIdentities, this.seed, 0x22, this.round); }
  next(): Plan {
    const B = this.B, K = this.ds.numIdentities;
    if (this.pos + B > K) this.restart();
    const indices = new Int32Array(2 * B), labels = new Int32Array(2 * B), flips = new Uint8Array(2 * B);
    let restarts = 0;
    for (let k = 0; k < B; k++) {
      let imgs: Int32Array, id: number;
      for (;;) {
        if (this.pos >= K) { if (++restarts > 2) throw new Error(`${this.ds.spec}: fewer than ${B} identities have images`); this.restart(); }
        id = this.perm[this.pos++];
        imgs = this.ds.imagesOf(id);
        if (imgs.length > 0) break;
      }
      const n = imgs.length, a = this.rng.int(n);
      let b = a;
      if (n > 1) { b = this.rng.int(n - 1); if (b >= a) b++; }
      indices[k] = imgs[a]; indices[B + k] = imgs[b];
      labels[k] = labels[B + k] = id;
    }
    for (let k = 0; k < 2 * B; k++) flips[k] = this.flip && this.rng.next() < 0.5 ? 1 : 0;
    return { indices, flips, labels, epoch: this.round };
  }
  getState(): SamplerState { return { kind: 'identity', seed: this.seed, round: this.round, pos: this.pos, rng: this.rng.getState() }; }
  setState(s: SamplerState): void {
    if (s.kind !== 'identity') throw new Error(`sampler state of kind '${s.kind}' given to an identity sampler`);
    if (s.seed !== this.seed) throw new Error(`sampler state has seed ${s.seed}, this sampler ${this.seed}`);
    this.round = s.round; this.pos = s.pos; this.rng.setState(s.rng);
    this.perm = permutation(this.ds.numIdentities, this.seed, 0x22, this.round);
  }
}

/**
 * FFC's two loaders in one plan of 3·B images, laid out so that both views are contiguous:
 * x = rows [0, 1.5B): identity image 1 (B), instances half 1 (B/2);
 * y = rows [1.5B, 3B): identity image 2 (B), instances half 2 (B/2). See `ffcViews`.
 * The epoch is the instance loader's.
 */
export class FfcSampler implements Sampler {
  readonly identity: IdentitySampler; readonly instance: InstanceSampler; readonly batchImages: number;
  constructor(ds: Dataset, opts: { batchSize: number; seed?: number; flip?: boolean }) {
    if (opts.batchSize % 2) throw new Error(`FFC batch size must be even, got ${opts.batchSize}`);
    const seed = opts.seed ?? 1;
    this.identity = new IdentitySampler(ds, { batchSize: opts.batchSize, seed, flip: opts.flip });
    this.instance = new InstanceSampler(ds, { batchSize: opts.batchSize, seed, flip: opts.flip, dropLast: true });
    this.batchImages = 3 * opts.batchSize;
  }
  get epoch(): number { return this.instance.epoch; }
  get stepsPerEpoch(): number { return this.instance.stepsPerEpoch; }
  next(): Plan {
    const id = this.identity.next(), inst = this.instance.next();
    const B = id.indices.length / 2, h = B / 2;
    const indices = new Int32Array(3 * B), labels = new Int32Array(3 * B), flips = new Uint8Array(3 * B);
    const put = (dst: number, src: Plan, from: number, n: number) => {
      indices.set(src.indices.subarray(from, from + n), dst); labels.set(src.labels.subarray(from, from + n), dst); flips.set(src.flips.subarray(from, from + n), dst);
    };
    put(0, id, 0, B); put(B, inst, 0, h); put(B + h, id, B, B); put(2 * B + h, inst, h, h);
    return { indices, flips, labels, epoch: inst.epoch };
  }
  getState(): SamplerState { return { kind: 'ffc', instance: this.instance.getState(), identity: this.identity.getState() }; }
  setState(s: SamplerState): void {
    if (s.kind !== 'ffc') throw new Error(`sampler state of kind '${s.kind}' given to an FFC sampler`);
    this.instance.setState(s.instance); this.identity.setState(s.identity);
  }
}

/** Zero-copy views of a batch rows [from, to). */
export function sliceBatch(b: Batch, from: number, to: number): Batch {
  const px = b.size * b.size * 3;
  return { images: b.images.subarray(from * px, to * px), labels: b.labels.subarray(from, to), n: to - from, size: b.size, epoch: b.epoch };
}

/** FFC's two views of a batch from `FfcSampler` (zero-copy). */
export function ffcViews(b: Batch): { x: Batch; y: Batch } {
  const half = b.n / 2;
  return { x: sliceBatch(b, 0, half), y: sliceBatch(b, half, b.n) };
}

/** Loads and normalises the images of a plan (on this thread). */
export function assemble(ds: Dataset, plan: Plan): Batch {
  const size = ds.imageSize, px = size * size * 3, n = plan.indices.length;
  const images = new Float32Array(n * px);
  fillImages(ds, plan.indices, plan.flips, images);
  return { images, labels: plan.labels, n, size, epoch: plan.epoch };
}

export function fillImages(ds: Dataset, indices: ArrayLike<number>, flips: ArrayLike<number>, out: Float32Array): void {
  const size = ds.imageSize, px = size * size * 3;
  for (let k = 0; k < indices.length; k++) {
    const img = ds.load(indices[k]);
    if (img.width !== size || img.height !== size) throw new Error(`${ds.spec}: image ${indices[k]} is ${img.width}×${img.height}, expected ${size}×${size}`);
    writeNormalized(img, out, k * px, flips[k] === 1);
  }
}

/** Something that yields batches and can be checkpointed. */
export interface BatchSource {
  next(): Promise<Batch>;
  getState(): SamplerState;
  setState(s: SamplerState): void;
  readonly epoch: number;
  close(): Promise<void> | void;
}

/** Decodes on the calling thread, one batch per `next()` (the browser, or workers: 0). */
export class SyncLoader implements BatchSource {
  constructor(readonly dataset: Dataset, readonly sampler: Sampler) {}
  nextSync(): Batch { return assemble(this.dataset, this.sampler.next()); }
  async next(): Promise<Batch> { return this.nextSync(); }
  getState(): SamplerState { return this.sampler.getState(); }
  setState(s: SamplerState): void { this.sampler.setState(s); }
  get epoch(): number { return this.sampler.epoch; }
  close(): void {}
}
