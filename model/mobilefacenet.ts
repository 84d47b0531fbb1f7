// MobileFaceNet (Chen et al. 2018): a 112×112 face → a 128-d embedding with ~1.0 M parameters and
// 221 M multiply-adds. NHWC activations. The GDC kernel follows the final feature map, so smaller
// inputs (64×64 …) work for quick experiments.
import * as E from '../engine/index';
import type { Tensor } from '../engine/index';
import { ConvBN, type Activation } from './layers';

export interface MobileFaceNetOptions {
  /** Input side in pixels (a multiple of 16); default 112. */
  inputSize?: number;
  /** Scales every channel count; default 1. */
  width?: number;
  /** Embedding size; default 128. */
  embedding?: number;
  /** Non-linearity after BN in the non-linear layers; default PReLU (ReLU/ReLU6 fit public models). */
  activation?: Activation;
  seed?: number;
}

/** Bottleneck groups (expansion t, channels c, repeats n, first stride s), as in the paper. */
export const BOTTLENECKS: [number, number, number, number][] = [
  [2, 64, 5, 2], [4, 128, 1, 2], [2, 128, 6, 1], [4, 128, 1, 2], [2, 128, 2, 1],
];

class Bottleneck extends E.Module {
  readonly expand: ConvBN; readonly dw: ConvBN; readonly project: ConvBN;
  readonly residual: boolean;
  constructor(cin: number, cout: number, t: number, stride: number, act: Activation, rng: E.Rng) {
    super();
    const hidden = cin * t;
    this.expand = this.child('expand', new ConvBN({ cin, cout: hidden, k: 1, act }, rng));
    this.dw = this.child('dw', new ConvBN({ cin: hidden, cout: hidden, k: 3, stride, pad: 1, groups: hidden, act }, rng));
    this.project = this.child('project', new ConvBN({ cin: hidden, cout, k: 1, act: 'none' }, rng));
    this.residual = stride === 1 && cin === cout;
  }
  forward(x: Tensor): Tensor {
    const y = this.project.forward(this.dw.forward(this.expand.forward(x)));
    return this.residual ? E.add(x, y) : y;
  }
  layers(): ConvBN[] { return [this.expand, this.dw, this.project]; }
}

export class MobileFaceNet extends E.Module {
  readonly inputSize: number;
  readonly embeddingSize: number;
  readonly options: Required<Omit<MobileFaceNetOptions, 'seed'>>;
  private readonly stem: ConvBN;
  private readonly stemDw: ConvBN;
  private readonly blocks: Bottleneck[] = [];
  private readonly last: ConvBN;
  private readonly gdc: ConvBN;
  private readonly embed: ConvBN;

  constructor(opts: MobileFaceNetOptions = {}) {
    super();
    const inputSize = opts.inputSize ?? 112, width = opts.width ?? 1, emb = opts.embedding ?? 128;
    const act = opts.activation ?? 'prelu';
    if (!Number.isInteger(inputSize) || inputSize < 16 || inputSize % 16) {
      throw new Error(`MobileFaceNet: inputSize ${inputSize} must be a multiple of 16 (the net downsamples 16×)`);
    }
    if (!(width > 0)) throw new Error(`MobileFaceNet: width ${width} must be positive`);
    if (!Number.isInteger(emb) || emb < 1) throw new Error(`MobileFaceNet: embedding ${emb} must be a positive integer`);
    this.inputSize = inputSize;
    this.embeddingSize = emb;
    this.options = { inputSize, width, embedding: emb, activation: act };
    const ch = (c: number) => Math.max(8, Math.round((c * width) / 8) * 8);
    const rng = new E.Rng(opts.seed ?? 1);
    const c64 = ch(64);
    this.stem = this.child('stem', new ConvBN({ cin: 3, cout: c64, k: 3, stride: 2, pad: 1, act }, rng));
    this.stemDw = this.child('stem_dw', new ConvBN({ cin: c64, cout: c64, k: 3, pad: 1, groups: c64, act }, rng));
    let cin = c64;
    for (const [t, c, n, s] of BOTTLENECKS) {
      for (let i = 0; i < n; i++) {
        const block = new Bottleneck(cin, ch(c), t, i === 0 ? s : 1, act, rng);
        this.blocks.push(this.child(`blocks.${this.blocks.length}`, block));
        cin = ch(c);
      }
    }
    const c512 = ch(512), side = inputSize / 16;
    this.last = this.child('conv_last', new ConvBN({ cin, cout: c512, k: 1, act }, rng));
    this.gdc = this.child('gdc', new ConvBN({ cin: c512, cout: c512, k: side, groups: c512, act: 'none' }, rng));
    this.embed = this.child('embedding', new ConvBN({ cin: c512, cout: emb, k: 1, act: 'none' }, rng));
  }

  /** Images NHWC [n, size, size, 3] (pixels mapped to about [-1, 1]) → embeddings [n, embedding]. */
  forward(x: Tensor): Tensor {
    const s = this.inputSize;
    if (x.rank !== 4 || x.shape[1] !== s || x.shape[2] !== s || x.shape[3] !== 3) {
      throw new E.ShapeError('MobileFaceNet', `expects images [n, ${s}, ${s}, 3] (NHWC), got [${x.shape.join(',')}]`);
    }
    let h = this.stemDw.forward(this.stem.forward(x));
    for (const b of this.blocks) h = b.forward(h);
    h = this.embed.forward(this.gdc.forward(this.last.forward(h)));
    return E.reshape(h, [x.shape[0], this.embeddingSize]);
  }

  private layers(): ConvBN[] {
    return [this.stem, this.stemDw, ...this.blocks.flatMap((b) => b.layers()), this.last, this.gdc, this.embed];
  }

  /** Parameters (weights, BN affine, PReLU slopes; not BN running stats) and multiply-adds per image. */
  complexity(): { params: number; macs: number } {
    const params = this.parameters().reduce((n, t) => n + t.size, 0);
    let h = this.inputSize, w = this.inputSize, macs = 0;
    for (const l of this.layers()) {
      const r = l.macs(h, w);
      macs += r.macs; h = r.h; w = r.w;
    }
    return { params, macs };
  }
}
