// The plain FC classifier (the seed's "FC" baseline): a C×D weight of class centres, cosines between
// normalised embeddings and normalised centres, and margin softmax cross-entropy.
import * as E from '../engine/index';
import type { Tensor } from '../engine/index';
import { checkEmbeddings, checkLabels, type Head, type HeadState } from './head';
import { marginCrossEntropy, type Margin } from './margin';

export class FCHead extends E.Module implements Head {
  readonly kind = 'fc' as const;
  readonly weight: Tensor;

  constructor(readonly classes: number, readonly dim: number, readonly margin: Margin, seed = 2) {
    super();
    if (!Number.isInteger(classes) || classes < 2) throw new Error(`FC head: classes ${classes} must be an integer >= 2`);
    this.weight = this.param('weight', E.randn([classes, dim], new E.Rng(seed), 0.01));
  }

  loss(emb: Tensor, labels: Int32Array): Tensor {
    checkEmbeddings('FC head', emb, this.dim, labels.length);
    checkLabels('FC head', labels, this.classes);
    const cos = E.matmul(E.l2Normalize(emb), E.l2Normalize(this.weight), { transB: true });
    return marginCrossEntropy(cos, E.tensor(labels, [labels.length, 1], 'i32'), this.margin);
  }

  /** Weight + momentum + gradient. */
  stateBytes(): number { return 3 * this.classes * this.dim * 4; }

  async checkpoint(): Promise<HeadState> { return { tensors: await this.saveState(), json: {} }; }
  restore(state: HeadState): void { this.loadState(state.tensors, 'FC head state'); }
}
