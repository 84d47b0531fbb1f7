// SGD with momentum, Nesterov and weight decay, as one fused in-place kernel per parameter.
import { engine } from './engine';
import { Tensor } from './tensor';
import { zeros } from './create';
import { keep } from './scope';
import { fmt } from './shape';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD {
  lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  /** Momentum buffers, one per parameter (created on first use). */
  readonly velocity = new Map<Tensor, Tensor>();

  constructor(readonly params: Tensor[], opts: SGDOptions) {
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.nesterov = opts.nesterov ?? false;
    if (!(this.lr >= 0) || !(this.momentum >= 0) || !(this.weightDecay >= 0)) {
      throw new Error(`SGD: lr, momentum and weightDecay must be non-negative numbers (got ${this.lr}, ${this.momentum}, ${this.weightDecay})`);
    }
    if (this.nesterov && this.momentum === 0) throw new Error('SGD: Nesterov needs momentum > 0');
    for (const p of params) p.requiresGrad = true;
  }

  /** Updates every parameter that has a gradient, in place. */
  step(): void {
    const e = engine();
    for (const p of this.params) {
      if (!p.grad) continue;
      let v = this.velocity.get(p);
      if (!v) { v = keep(zeros(p.shape)); this.velocity.set(p, v); }
      e.run('sgd', {
        param: p.buffer, grad: p.grad.buffer, velocity: v.buffer, n: p.size,
        lr: this.lr, momentum: this.momentum, weightDecay: this.weightDecay, nesterov: this.nesterov,
      }, `sgd ${p.name ?? ''} ${fmt(p.shape)}`);
    }
  }

  /** Drops every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }
}
