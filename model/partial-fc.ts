// Partial FC (insightface): the full C×D class centres stay on the device, but each step uses only the
// centres of the batch's identities plus random negatives up to r·C, so the softmax costs r·C. Only the
// sampled rows are updated (SGD with momentum on the gathered rows, scattered back).
import * as E from '../engine/index';
import { toTyped } from '../engine/module';
import type { Tensor } from '../engine/index';
import { checkEmbeddings, checkLabels, type Head, type HeadState } from './head';
import { marginCrossEntropy, type Margin } from './margin';

export class PartialFCHead implements Head {
  readonly kind = 'pfc' as const;
  readonly weight: Tensor;
  readonly velocity: Tensor;
  private readonly rng: E.Rng;
  /** The rows sampled in the current step and their gathered, trainable copy. */
  private sampled: { idx: Tensor; rows: Tensor } | null = null;

  constructor(readonly classes: number, readonly dim: number, readonly rate: number, readonly margin: Margin, seed = 2) {
    if (!Number.isInteger(classes) || classes < 2) throw new Error(`Partial FC: classes ${classes} must be an integer >= 2`);
    if (!(rate > 0 && rate <= 1)) throw new Error(`Partial FC: sample rate ${rate} must be in (0, 1]`);
    this.rng = new E.Rng(seed + 1);
    this.weight = E.keep(E.randn([classes, dim], new E.Rng(seed), 0.01));
    this.velocity = E.keep(E.zeros([classes, dim]));
  }

  /** The batch's identities (in first-seen order) then distinct random negatives, up to max(r·C, positives). */
  sample(labels: Int32Array): { ids: Int32Array; target: Int32Array } {
    const pos = new Map<number, number>();
    for (const l of labels) if (!pos.has(l)) pos.set(l, pos.size);
    const want = Math.max(Math.ceil(this.rate * this.classes), pos.size);
    const chosen = new Set(pos.keys());
    if (want * 2 > this.classes) {
      // dense: a shuffled pass over all classes
      const all = this.rng.shuffle(Int32Array.from({ length: this.classes }, (_, i) => i)) as Int32Array;
      for (let i = 0; chosen.size < want; i++) chosen.add(all[i]);
    } else {
      // sparse: rejection sampling, O(want) expected whatever C is
      while (chosen.size < want) chosen.add(this.rng.int(this.classes));
    }
    const ids = Int32Array.from(chosen);
    return { ids, target: Int32Array.from(labels, (l) => pos.get(l)!) };
  }

  loss(emb: Tensor, labels: Int32Array): Tensor {
    checkEmbeddings('Partial FC', emb, this.dim, labels.length);
    checkLabels('Partial FC', labels, this.classes);
    const { ids, target } = this.sample(labels);
    this.dropSample();
    const idx = E.keep(E.tensor(ids, [ids.length], 'i32'));
    const rows = E.keep(E.requireGrad(E.noGrad(() => E.gatherRows(this.weight, idx))));
    this.sampled = { idx, rows };
    const cos = E.matmul(E.l2Normalize(emb), E.l2Normalize(rows), { transB: true });
    return marginCrossEntropy(cos, E.tensor(target, [labels.length, 1], 'i32'), this.margin);
  }

  parameters(): Tensor[] { return []; }

  /** SGD on the sampled rows (and their momentum), written back into the full matrices. */
  step(opt: E.SGD): void {
    const s = this.sampled;
    if (!s?.rows.grad) return;
    const v = E.noGrad(() => E.gatherRows(this.velocity, s.idx));
    E.engine().run('sgd', {
      param: s.rows.buffer, grad: s.rows.grad.buffer, velocity: v.buffer, n: s.rows.size,
      lr: opt.lr, momentum: opt.momentum, weightDecay: opt.weightDecay, nesterov: opt.nesterov,
    }, `sgd partial-fc [${s.rows.shape}]`);
    E.scatterRowsInPlace(this.weight, s.idx, s.rows);
    E.scatterRowsInPlace(this.velocity, s.idx, v);
    v.dispose();
    this.dropSample();
  }

  private dropSample(): void {
    if (!this.sampled) return;
    this.sampled.rows.grad?.dispose();
    this.sampled.rows.dispose();
    this.sampled.idx.dispose();
    this.sampled = null;
  }

  /** Full weight + momentum, plus the sampled rows' copy and gradient. */
  stateBytes(): number {
    const sampled = Math.max(Math.ceil(this.rate * this.classes), 1) * this.dim * 4;
    return 2 * this.classes * this.dim * 4 + 2 * sampled;
  }

  async checkpoint(): Promise<HeadState> {
    const read = async (t: Tensor) => ({ dtype: 'f32' as const, shape: [...t.shape], data: toTyped('f32', await t.data()) });
    return {
      tensors: new Map([['weight', await read(this.weight)], ['velocity', await read(this.velocity)]]),
      json: { rng: this.rng.getState() },
    };
  }

  restore(state: HeadState): void {
    for (const [name, t] of [['weight', this.weight], ['velocity', this.velocity]] as const) {
      const a = state.tensors.get(name);
      if (!a || a.shape.join() !== t.shape.join()) throw new Error(`Partial FC checkpoint: ${name} ${a ? `[${a.shape}]` : 'missing'}, expected [${t.shape}]`);
      E.engine().backend.write(t.buffer, a.data);
    }
    this.rng.setState(state.json.rng as number);
  }

  dispose(): void { this.dropSample(); this.weight.dispose(); this.velocity.dispose(); }
}
