// What every classification head offers the training loop.
import type * as E from '../engine/index';
import type { Tensor } from '../engine/index';
import type { NamedArray } from '../engine/safetensors';

export interface HeadState { tensors: Map<string, NamedArray>; json: Record<string, unknown> }

export interface Head {
  readonly kind: 'fc' | 'pfc' | 'ffc';
  /** Parameters the shared optimizer updates (heads with their own sparse update return none). */
  parameters(): Tensor[];
  /** A head that updates its own state sparsely does so here, after backward, with the run's SGD settings. */
  step?(opt: E.SGD): void;
  /** Device bytes of the head's state: weights, optimizer momentum, gradients, pools. */
  stateBytes(): number;
  /** Tensors and host state to checkpoint, under stable names. */
  checkpoint(): Promise<HeadState>;
  /** Restores what checkpoint() gave; throws naming what does not fit. */
  restore(state: HeadState): void;
  dispose(): void;
}

/** Throws naming the head when a label is outside [0, classes). */
export function checkLabels(head: string, labels: Int32Array, classes: number): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!(l >= 0 && l < classes)) {
      throw new Error(`${head}: label ${l} (sample ${i}) is outside [0, ${classes}); the head was made for ${classes} identities`);
    }
  }
}

export function checkEmbeddings(head: string, emb: Tensor, dim: number, n: number): void {
  if (emb.rank !== 2 || emb.shape[1] !== dim || emb.shape[0] !== n) {
    throw new Error(`${head}: embeddings [${emb.shape.join(',')}] should be [${n}, ${dim}] (batch × embedding size of the head)`);
  }
}
