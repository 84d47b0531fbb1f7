// One training run's model, head and optimizer, and its step. Browser-safe: files and processes are
// the Node command's business (commands/train.ts); the browser demo drives this directly.
import * as E from '../engine/index';
import type { NamedArray } from '../engine/safetensors';
import { toTyped } from '../engine/module';
import { MobileFaceNet } from '../model/mobilefacenet';
import { FCHead } from '../model/fc';
import { PartialFCHead } from '../model/partial-fc';
import { FFC } from '../model/ffc';
import { marginPreset } from '../model/margin';
import type { Head, HeadState } from '../model/head';
import type { Batch } from './data/sampler';
import { ffcViews } from './data/sampler';
import { learningRate } from './schedule';
import type { TrainConfig } from './config';
import { embedBatch } from './eval/verify';

/** A loss that is NaN or infinite: training stops, keeping the last good checkpoint. */
export class DivergedError extends Error {
  constructor(readonly step: number, readonly loss: number) {
    super(`the loss became ${loss} at step ${step}. The last good checkpoint is kept. Try a lower --lr ` +
      '(or a longer --warmup), a smaller margin scale --s, or check the data for broken images.');
    this.name = 'DivergedError';
  }
}

export interface StepResult { step: number; loss: number; lr: number; images: number }

export class Trainer {
  readonly net: MobileFaceNet;
  readonly head: Head;
  readonly opt: E.SGD;
  /** Stable names of the optimised parameters, for momentum in checkpoints. */
  private readonly paramNames = new Map<E.Tensor, string>();
  step = 0;

  constructor(readonly cfg: TrainConfig, readonly identities: number, public totalSteps: number) {
    this.net = new MobileFaceNet({ inputSize: cfg.input, width: cfg.width, embedding: cfg.emb, activation: cfg.activation, seed: cfg.seed });
    const margin = marginPreset(cfg.margin, { s: cfg.s, m1: cfg.m1, m2: cfg.m2 ?? (cfg.margin === 'arc' ? cfg.m : undefined), m3: cfg.m3 ?? (cfg.margin === 'cos' ? cfg.m : undefined) });
    switch (cfg.head) {
      case 'fc': this.head = new FCHead(identities, cfg.emb, margin, cfg.seed + 1); break;
      case 'pfc': this.head = new PartialFCHead(identities, cfg.emb, cfg.ratio, margin, cfg.seed + 1); break;
      case 'ffc': this.head = new FFC(this.net, { identities, ratio: cfg.ratio, margin, momentum: cfg.emaMomentum, seed: cfg.seed + 1 }); break;
    }
    for (const [n, t] of this.net.namedParameters()) this.paramNames.set(t, `net.${n}`);
    this.head.parameters().forEach((t, i) => this.paramNames.set(t, `head.${i}`));
    this.opt = new E.SGD([...this.paramNames.keys()], {
      lr: cfg.lr, momentum: cfg.momentum, weightDecay: cfg.weightDecay, nesterov: cfg.nesterov && cfg.momentum > 0,
    });
  }

  /** Images per step the sampler must deliver (FFC: two views of 1.5·batch each). */
  get batchImages(): number { return this.cfg.head === 'ffc' ? 3 * this.cfg.batch : this.cfg.batch; }

  /** One SGD step on a host batch. Reads back only the loss. */
  async trainStep(batch: Batch): Promise<StepResult> {
    const lr = learningRate(this.cfg.lr, this.step, this.totalSteps, this.cfg.schedule);
    this.opt.lr = lr;
    const s = batch.size;
    let loss: E.Tensor;
    if (this.head instanceof FFC) {
      const { x, y } = ffcViews(batch);
      const xt = E.tensor(x.images, [x.n, s, s, 3]), yt = E.tensor(y.images, [y.n, s, s, 3]);
      loss = this.head.backwardStep(xt, x.labels, yt, y.labels);
      xt.dispose(); yt.dispose();
    } else {
      const head = this.head as FCHead | PartialFCHead;
      loss = E.tidy(() => head.loss(this.net.forward(E.tensor(batch.images, [batch.n, s, s, 3])), batch.labels));
      E.backward(loss);
    }
    const value = await loss.item();
    loss.dispose();
    if (!Number.isFinite(value)) { this.opt.zeroGrad(); throw new DivergedError(this.step, value); }
    this.opt.step();
    this.head.step?.(this.opt);
    this.opt.zeroGrad();
    this.step++;
    return { step: this.step, loss: value, lr, images: batch.n };
  }

  /** Embeddings of a host batch (eval mode, optionally flip-fused), L2-normalised, to the host. */
  async embed(images: Float32Array, n: number, flipped?: Float32Array): Promise<Float32Array> {
    this.net.eval();
    try { return await embedBatch(this.net, images, n, flipped); } finally { this.net.train(); }
  }

  /** Everything needed to continue exactly: tensors (weights, momentum, head) and JSON state. */
  async checkpoint(): Promise<{ model: Map<string, NamedArray>; state: Map<string, NamedArray>; json: Record<string, unknown> }> {
    const model = await this.net.saveState();
    const state = new Map<string, NamedArray>();
    for (const [p, v] of this.opt.velocity) {
      state.set(`momentum.${this.paramNames.get(p)}`, { dtype: 'f32', shape: [...v.shape], data: toTyped('f32', await v.data()) });
    }
    const head: HeadState = await this.head.checkpoint();
    for (const [k, v] of head.tensors) state.set(`head.${k}`, v);
    return { model, state, json: { step: this.step, head: head.json } };
  }

  restore(model: Map<string, NamedArray>, state: Map<string, NamedArray>, json: Record<string, unknown>): void {
    this.net.loadState(model, 'checkpoint model');
    const byName = new Map([...this.paramNames].map(([t, n]) => [n, t]));
    for (const [k, v] of state) {
      if (!k.startsWith('momentum.')) continue;
      const p = byName.get(k.slice(9));
      if (!p) throw new Error(`checkpoint: momentum for unknown parameter '${k.slice(9)}'; was it saved by another head or architecture?`);
      const vel = E.keep(E.tensor(v.data, v.shape));
      this.opt.velocity.get(p)?.dispose();
      this.opt.velocity.set(p, vel);
    }
    const headTensors = new Map([...state].filter(([k]) => k.startsWith('head.')).map(([k, v]) => [k.slice(5), v]));
    this.head.restore({ tensors: headTensors, json: json.head as Record<string, unknown> });
    this.step = json.step as number;
  }

  dispose(): void {
    this.head.dispose();
    this.net.dispose();
    for (const v of this.opt.velocity.values()) v.dispose();
  }
}
