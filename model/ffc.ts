// FFC — Faster Face Classification. Instead of a C×D classifier, a dynamic class pool of Q ≪ C recent
// gallery features (see dcp.ts) serves as class centres. The probe net P is trained; the gallery net
// G is an EMA of P (parameters only; BN running stats are not averaged; G runs with batch statistics).
// One step, on two views x and y of the same identities (see the samplers):
//   (1) P on x; update G by EMA; G on y; write G(y) into the pool temporarily; loss2; undo the write.
//   (2) P on y; G on x; write G(x) for good; loss1.
//   (3) backward of loss1 + loss2 into P only (the caller), SGD.
// Each direction's loss: with p = P-features and the pool holding the other view's G-features,
// margin softmax CE on p·row0ᵀ and on p·Wᵀ (W: row 1 for slots hit in this step, row 0 otherwise) for
// samples whose identity is in the pool; for the others, the mean of their top-k positive cosines.
import * as E from '../engine/index';
import { toTyped } from '../engine/module';
import type { Tensor } from '../engine/index';
import { DynamicClassPool, type PoolHostState } from './dcp';
import { checkLabels, type Head, type HeadState } from './head';
import { marginCrossEntropy, type Margin } from './margin';
import { MobileFaceNet } from './mobilefacenet';

export interface FFCOptions {
  /** Number of identities in the training set. */
  identities: number;
  /** Pool size as a fraction of the identities (e.g. 0.01), or… */
  ratio?: number;
  /** …an absolute number of slots. */
  slots?: number;
  margin: Margin;
  /** EMA factor a of g = a·g + (1 − a)·p; default 0.99. */
  momentum?: number;
  seed?: number;
}

/** Pool size from a ratio or an absolute count, with the errors a user needs. */
export function poolSize(o: Pick<FFCOptions, 'identities' | 'ratio' | 'slots'>): number {
  if (o.slots !== undefined && o.ratio !== undefined) throw new Error('FFC: give the pool size as ratio or as slots, not both');
  const q = o.slots ?? Math.max(1, Math.round((o.ratio ?? 0.01) * o.identities));
  if (!Number.isInteger(q) || q < 1) throw new Error(`FFC: pool size ${q} must be a positive integer`);
  if (q > o.identities) throw new Error(`FFC: a pool of ${q} slots is larger than the ${o.identities} identities; use ratio <= 1`);
  return q;
}

/**
 * The FFC head alone: the pool and the loss of probe features against it, given the gallery features
 * of the other view. Benchmarks use it with given embeddings; `FFC` wraps it with the P and G nets.
 */
export class FFCHead {
  readonly pool: DynamicClassPool;
  readonly topK: number;

  constructor(readonly identities: number, dim: number, readonly margin: Margin, size: Pick<FFCOptions, 'ratio' | 'slots'>, seed = 3) {
    const q = poolSize({ identities, ...size });
    this.topK = Math.min(q, Math.min(Math.max(Math.floor(0.0002 * q), 3), 10));
    this.pool = new DynamicClassPool(q, dim, seed);
  }

  /**
   * Writes the gallery features g (labels gLabels) into the pool — for good, or temporarily and undone
   * after the loss is built — and returns the loss of the probe features p (labels pLabels).
   */
  loss(p: Tensor, pLabels: Int32Array, g: Tensor, gLabels: Int32Array, temporary: boolean): Tensor {
    checkLabels('FFC', pLabels, this.identities);
    checkLabels('FFC', gLabels, this.identities);
    const written = this.pool.write(g, gLabels, temporary);
    const loss = this.directionLoss(p, pLabels, written.hit);
    if (written.undo) this.pool.undo(written.undo);
    return loss;
  }

  /** Loss of probe features p (L2-normalised) against the pool as it is now. */
  directionLoss(p: Tensor, labels: Int32Array, hit: Uint8Array): Tensor {
    const n = labels.length;
    const slots = this.pool.lookup(labels);
    const target = E.tensor(slots, [n, 1], 'i32');
    const outside = slots.reduce((c, s) => c + (s < 0 ? 1 : 0), 0);
    const outMask = outside ? E.tensor(Float32Array.from(slots, (s) => (s < 0 ? 1 : 0)), [n, 1]) : null;
    const { row0, w } = this.pool.centres(hit);
    const one = (centres: Tensor) => {
      const cos = E.matmul(p, centres, { transB: true });
      const ce = marginCrossEntropy(cos, target, this.margin);
      if (!outMask) return ce;
      const hardest = E.mean(E.relu(E.topk(cos, this.topK).values), -1, true);
      return E.add(ce, E.scale(E.sum(E.mul(hardest, outMask)), 1 / n));
    };
    return E.add(one(row0), one(w));
  }

  /** The pool's features: FFC's head memory does not grow with the number of identities. */
  stateBytes(): number { return this.pool.features.size * 4; }

  dispose(): void { this.pool.dispose(); }
}

export class FFC implements Head {
  readonly kind = 'ffc' as const;
  readonly head: FFCHead;
  readonly gallery: MobileFaceNet;
  readonly momentum: number;

  constructor(readonly probe: MobileFaceNet, readonly opts: FFCOptions) {
    this.momentum = opts.momentum ?? 0.99;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`FFC: momentum ${this.momentum} must be in [0, 1]`);
    this.head = new FFCHead(opts.identities, probe.embeddingSize, opts.margin, opts, opts.seed ?? 3);
    this.gallery = new MobileFaceNet(probe.options);
    const src = probe.stateDict();
    for (const [name, t] of this.gallery.stateDict()) E.copyInto(t, src.get(name)!);
  }

  get pool(): DynamicClassPool { return this.head.pool; }
  get topK(): number { return this.head.topK; }

  parameters(): Tensor[] { return []; }

  /** g = a·g + (1 − a)·p over the parameters. */
  updateGallery(): void {
    const p = new Map(this.probe.namedParameters());
    const a = this.momentum;
    for (const [name, g] of this.gallery.namedParameters()) {
      E.engine().run('axpby', { x: p.get(name)!.buffer, y: g.buffer, n: g.size, alpha: 1 - a, beta: a }, `ema ${name}`);
    }
  }

  /** (1): P on x; update G by EMA; G on y written into the pool temporarily; loss2; the write undone. */
  private lossTemporary(x: Tensor, xLabels: Int32Array, y: Tensor, yLabels: Int32Array): Tensor {
    const px = E.l2Normalize(this.probe.forward(x));
    this.updateGallery();
    const gy = E.noGrad(() => E.l2Normalize(this.gallery.forward(y)));
    return this.head.loss(px, xLabels, gy, yLabels, true);
  }

  /** (2): P on y; G on x written for good; loss1. */
  private lossKept(x: Tensor, xLabels: Int32Array, y: Tensor, yLabels: Int32Array): Tensor {
    const py = E.l2Normalize(this.probe.forward(y));
    const gx = E.noGrad(() => E.l2Normalize(this.gallery.forward(x)));
    return this.head.loss(py, yLabels, gx, xLabels, false);
  }

  /** The whole FFC loss of one step on views x and y (loss1 + loss2), as one graph. */
  stepLoss(x: Tensor, xLabels: Int32Array, y: Tensor, yLabels: Int32Array): Tensor {
    const loss2 = this.lossTemporary(x, xLabels, y, yLabels);
    return E.add(this.lossKept(x, xLabels, y, yLabels), loss2);
  }

  /**
   * The step's forward and backward, one direction at a time: P's weights do not change within a
   * step, so back-propagating loss2 and then loss1 adds up the same gradients as back-propagating
   * loss1 + loss2, with half the peak memory (one direction's activations). Returns the summed loss
   * (a device scalar the caller reads and disposes).
   */
  backwardStep(x: Tensor, xLabels: Int32Array, y: Tensor, yLabels: Int32Array): Tensor {
    const loss2 = E.tidy(() => this.lossTemporary(x, xLabels, y, yLabels));
    E.backward(loss2);
    const loss1 = E.tidy(() => this.lossKept(x, xLabels, y, yLabels));
    E.backward(loss1);
    const total = E.noGrad(() => E.add(loss1, loss2));
    loss1.dispose(); loss2.dispose();
    return total;
  }

  /** Convenience for tests: one direction against the pool as it is. */
  directionLoss(p: Tensor, labels: Int32Array, hit: Uint8Array): Tensor { return this.head.directionLoss(p, labels, hit); }

  stateBytes(): number { return this.head.stateBytes(); }

  async checkpoint(): Promise<HeadState> {
    const tensors = await this.gallery.saveState();
    const withPrefix = new Map([...tensors].map(([k, v]) => [`gallery.${k}`, v]));
    const f = this.pool.features;
    withPrefix.set('pool.features', { dtype: 'f32', shape: [...f.shape], data: toTyped('f32', await f.data()) });
    return { tensors: withPrefix, json: { pool: this.pool.hostState() } };
  }

  restore(state: HeadState): void {
    const gallery = new Map([...state.tensors].filter(([k]) => k.startsWith('gallery.')).map(([k, v]) => [k.slice(8), v]));
    this.gallery.loadState(gallery, 'FFC gallery net');
    const f = state.tensors.get('pool.features');
    if (!f || f.shape.join() !== this.pool.features.shape.join()) {
      throw new Error(`FFC checkpoint: pool.features ${f ? `[${f.shape}]` : 'missing'}, expected [${this.pool.features.shape}]`);
    }
    E.engine().backend.write(this.pool.features.buffer, f.data);
    this.pool.setHostState(state.json.pool as PoolHostState);
  }

  dispose(): void { this.head.dispose(); this.gallery.dispose(); }
}
