// Embedding a verification set with any model and scoring it: each distinct image is embedded once
// (optionally flip-fused: e(img) + e(mirrored img), L2-normalised), pairs are scored by cosine.
import type { VerificationSet } from '../data/verification';
import { writeNormalized } from '../data/image';
import { cosine, verificationMetrics, type VerificationMetrics } from './metrics';
import type { Trainer } from '../trainer';
import * as E from '../../engine/index';
import { toTyped } from '../../engine/module';
import type { MobileFaceNet } from '../../model/mobilefacenet';

/** Anything that turns a batch of normalised NHWC images into L2-normalised embeddings on the host. */
export interface Embedder {
  readonly inputSize: number;
  embed(images: Float32Array, n: number, flipped?: Float32Array): Promise<Float32Array>;
}

/** L2-normalised (flip-fused when `flipped` is given) embeddings of normalised NHWC images, to the host. */
export async function embedBatch(net: MobileFaceNet, images: Float32Array, n: number, flipped?: Float32Array): Promise<Float32Array> {
  const s = net.inputSize;
  const out = E.tidy(() => E.noGrad(() => {
    let e = net.forward(E.tensor(images, [n, s, s, 3]));
    if (flipped) e = E.add(e, net.forward(E.tensor(flipped, [n, s, s, 3])));
    return E.l2Normalize(e);
  }));
  const host = toTyped('f32', await out.data()) as Float32Array;
  out.dispose();
  return host;
}

export interface PairScores { scores: Float64Array; same: boolean[]; embeddings: Map<string, Float32Array> }

/** Scores every pair of the set; `onProgress(done, total)` after each batch of images. */
export async function scorePairs(set: VerificationSet, model: Embedder, opts: { flip?: boolean; batch?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<PairScores> {
  const size = model.inputSize, px = size * size * 3, batch = opts.batch ?? 32;
  const where = new Map<string, { i: number; side: 0 | 1 }>();
  for (let i = 0; i < set.count; i++) for (const side of [0, 1] as const) {
    const key = set.imageName(i, side);
    if (!where.has(key)) where.set(key, { i, side });
  }
  const keys = [...where.keys()];
  const embeddings = new Map<string, Float32Array>();
  for (let start = 0; start < keys.length; start += batch) {
    const chunk = keys.slice(start, start + batch);
    const images = new Float32Array(chunk.length * px);
    const flipped = opts.flip ? new Float32Array(chunk.length * px) : undefined;
    chunk.forEach((k, j) => {
      const { i, side } = where.get(k)!;
      const img = set.loadImage(i, side, size);
      writeNormalized(img, images, j * px, false);
      if (flipped) writeNormalized(img, flipped, j * px, true);
    });
    const emb = await model.embed(images, chunk.length, flipped);
    const d = emb.length / chunk.length;
    chunk.forEach((k, j) => embeddings.set(k, emb.slice(j * d, (j + 1) * d)));
    opts.onProgress?.(Math.min(keys.length, start + batch), keys.length);
  }
  const scores = Float64Array.from({ length: set.count }, (_, i) => cosine(embeddings.get(set.imageName(i, 0))!, embeddings.get(set.imageName(i, 1))!));
  return { scores, same: set.same, embeddings };
}

export function metricsOf(set: VerificationSet, scores: ArrayLike<number>): VerificationMetrics {
  return verificationMetrics(scores, set.same, set.folds, (i) => set.foldOf(i));
}

/** Validation during training: the trainer's probe net in eval mode, flip-fused. */
export async function evaluateTrainer(trainer: Trainer, set: VerificationSet): Promise<VerificationMetrics> {
  const model: Embedder = { inputSize: trainer.cfg.input, embed: (x, n, f) => trainer.embed(x, n, f) };
  const { scores } = await scorePairs(set, model, { flip: true });
  return metricsOf(set, scores);
}
