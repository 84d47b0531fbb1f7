// The one layer MobileFaceNet is built of: conv → batch norm → activation (or none: "linear").
import * as E from '../engine/index';
import type { Tensor } from '../engine/index';

export type Activation = 'prelu' | 'relu' | 'relu6' | 'none';

export interface ConvBNOptions {
  cin: number; cout: number; k: number;
  stride?: number; pad?: number; groups?: number;
  act: Activation;
}

/** A BN layer's tensors under PyTorch's names (weight, bias, running_mean, running_var). */
export class BatchNorm extends E.Module {
  readonly state: E.BatchNormState;
  constructor(c: number) {
    super();
    this.state = {
      gamma: this.param('weight', E.ones([c])), beta: this.param('bias', E.zeros([c])),
      runningMean: this.buffer('running_mean', E.zeros([c])), runningVar: this.buffer('running_var', E.ones([c])),
    };
  }
  forward(x: Tensor): Tensor { return E.batchNorm(x, this.state, this.training); }
}

export class PReLU extends E.Module {
  readonly alpha: Tensor;
  constructor(c: number) { super(); this.alpha = this.param('weight', E.full([c], 0.25)); }
  forward(x: Tensor): Tensor { return E.prelu(x, this.alpha); }
}

export class ConvBN extends E.Module {
  readonly weight: Tensor;
  readonly bn: BatchNorm;
  readonly prelu: PReLU | null;
  constructor(readonly opts: ConvBNOptions, rng: E.Rng) {
    super();
    const { cin, cout, k, groups = 1 } = opts;
    const conv = this.child('conv', new ConvWeight([cout, k, k, cin / groups], rng));
    this.weight = conv.weight;
    this.bn = this.child('bn', new BatchNorm(cout));
    this.prelu = opts.act === 'prelu' ? this.child('act', new PReLU(cout)) : null;
  }

  forward(x: Tensor): Tensor {
    const { stride = 1, pad = 0, groups = 1, act } = this.opts;
    const y = this.bn.forward(E.conv2d(x, this.weight, { stride, pad, groups }));
    switch (act) {
      case 'prelu': return this.prelu!.forward(y);
      case 'relu': return E.relu(y);
      case 'relu6': return E.clamp(y, 0, 6);
      case 'none': return y;
    }
  }

  /** Multiply-adds for an input of h × w, and the output size. */
  macs(h: number, w: number): { macs: number; h: number; w: number } {
    const { cin, cout, k, stride = 1, pad = 0, groups = 1 } = this.opts;
    const oh = Math.floor((h + 2 * pad - k) / stride) + 1, ow = Math.floor((w + 2 * pad - k) / stride) + 1;
    return { macs: oh * ow * cout * k * k * (cin / groups), h: oh, w: ow };
  }
}

/** A conv weight (OHWI) with Kaiming-normal initialisation (fan-out, as PyTorch face models do). */
class ConvWeight extends E.Module {
  readonly weight: Tensor;
  constructor(shape: number[], rng: E.Rng) {
    super();
    const [cout, kh, kw] = shape;
    this.weight = this.param('weight', E.randn(shape, rng, Math.sqrt(2 / (cout * kh * kw))));
  }
}
